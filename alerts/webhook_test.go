package alerts

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"speaksafe/outbound"
)

func receiver(t *testing.T, h http.HandlerFunc) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		h(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func post(t *testing.T, hc *http.Client, u string) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return postWebhook(ctx, hc, u, hookSecret, WebhookEvent{Event: "alert", AlertID: "a1", SentAt: time.Unix(1700000000, 0)})
}

func TestWebhookClientRefusesLoopbackWhenConnecting(t *testing.T) {
	t.Parallel()
	srv, got := receiver(t, func(w http.ResponseWriter, _ *http.Request) {})
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	hc := outbound.NewWebhookClient(5*time.Second, outbound.AllowedHosts{})
	// "localhost" passes no save-time check here: only the connection, on
	// the address the name resolved to, stands in the way (DNS rebinding).
	for _, u := range []string{"http://localhost:" + port + "/hook", srv.URL + "/hook"} {
		err := post(t, hc, u)
		if !errors.Is(err, outbound.ErrBlockedAddress) || ReasonOf(err) != ReasonInvalid {
			t.Errorf("post to %s: got %v (reason %s), want ErrBlockedAddress, reason invalid", u, err, ReasonOf(err))
		}
	}
	if got.Load() != 0 {
		t.Errorf("the loopback receiver got %d requests, want 0", got.Load())
	}
}

func TestWebhookClientReachesAnAllowListedHost(t *testing.T) {
	t.Parallel()
	srv, got := receiver(t, func(w http.ResponseWriter, _ *http.Request) {})
	u, _ := url.Parse(srv.URL)
	allowed, err := outbound.ParseAllowedHosts([]string{u.Host})
	if err != nil {
		t.Fatal(err)
	}
	if err := post(t, outbound.NewWebhookClient(5*time.Second, allowed), srv.URL+"/hook"); err != nil {
		t.Fatalf("post to the allow-listed %s: %v", u.Host, err)
	}
	if got.Load() != 1 {
		t.Errorf("the allow-listed receiver got %d requests, want 1", got.Load())
	}
	// The same address on another port is not allow-listed.
	other, _ := receiver(t, func(w http.ResponseWriter, _ *http.Request) {})
	if err := post(t, outbound.NewWebhookClient(5*time.Second, allowed), other.URL+"/hook"); !errors.Is(err, outbound.ErrBlockedAddress) {
		t.Errorf("post to a port not allow-listed: got %v, want ErrBlockedAddress", err)
	}
}

func TestWebhookClientFollowsNoRedirect(t *testing.T) {
	t.Parallel()
	target, reached := receiver(t, func(w http.ResponseWriter, _ *http.Request) {})
	for _, code := range []int{http.StatusFound, http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
		src, _ := receiver(t, func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, target.URL+"/internal", code)
		})
		allowed, err := outbound.ParseAllowedHosts([]string{"127.0.0.1"})
		if err != nil {
			t.Fatal(err)
		}
		err = post(t, outbound.NewWebhookClient(5*time.Second, allowed), src.URL+"/hook")
		if err == nil || ReasonOf(err) != ReasonInvalid {
			t.Errorf("redirect %d: got %v (reason %s), want a failed delivery", code, err, ReasonOf(err))
		}
	}
	if reached.Load() != 0 {
		t.Errorf("the redirect target got %d requests, want 0", reached.Load())
	}
}
