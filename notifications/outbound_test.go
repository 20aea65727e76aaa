package notifications

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
)

func TestWebhookURLsToNonPublicAddressesAreRefused(t *testing.T) {
	t.Parallel()
	refused := map[string][]string{
		"loopback":           {"https://127.0.0.1/hook", "https://127.9.9.9/hook", "https://[::1]/hook", "https://localhost/hook", "https://a.localhost:8443/hook", "https://LOCALHOST./hook"},
		"private (RFC 1918)": {"https://10.0.0.5/hook", "https://172.16.3.4/hook", "https://172.31.255.255/hook", "https://192.168.1.1/hook"},
		"private (ULA)":      {"https://[fc00::1]/hook", "https://[fd12:3456::7]/hook"},
		"link-local":         {"https://169.254.10.20/hook", "https://[fe80::1]/hook", "https://[fe80::1%25eth0]/hook"},
		"unspecified":        {"https://0.0.0.0/hook", "https://[::]/hook", "https://0.1.2.3/hook"},
		"multicast":          {"https://224.0.0.1/hook", "https://239.1.2.3/hook", "https://[ff02::1]/hook"},
		"CGNAT":              {"https://100.64.0.1/hook", "https://100.127.255.254/hook"},
		"metadata":           {"https://169.254.169.254/latest/meta-data/", "https://[fd00:ec2::254]/latest"},
		"IPv4-mapped IPv6":   {"https://[::ffff:127.0.0.1]/hook", "https://[::ffff:10.1.2.3]/hook", "https://[::ffff:169.254.169.254]/", "https://[::ffff:100.64.0.1]/", "https://[::ffff:0:0]/"},
		"NAT64 of private":   {"https://[64:ff9b::a00:1]/hook", "https://[64:ff9b::7f00:1]/hook"},
		"numeric spellings":  {"https://2130706433/hook", "https://0x7f.1/hook", "https://017700000001/hook", "https://127.1/hook"},
	}
	var none AllowedHosts
	for class, urls := range refused {
		for _, u := range urls {
			if err := none.CheckURL(u); !errors.Is(err, ErrBlockedAddress) {
				t.Errorf("%s: CheckURL(%q) = %v, want ErrBlockedAddress", class, u, err)
			}
		}
	}
	for _, u := range []string{"https://control-room.example/hook", "https://203.0.113.7/hook", "https://[2001:db8::1]:8443/x",
		"https://8.8.8.8/hook", "https://[::ffff:8.8.8.8]/hook", "https://100.128.0.1/hook"} {
		if err := none.CheckURL(u); err != nil {
			t.Errorf("public CheckURL(%q) = %v, want nil", u, err)
		}
	}
}

func TestAllowedHostsExemptOnlyWhatTheyName(t *testing.T) {
	t.Parallel()
	a, err := ParseAllowedHosts([]string{"127.0.0.1:8443", "cr.local", "[::1]", "10.0.0.5"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		url     string
		allowed bool
	}{
		{"https://127.0.0.1:8443/hook", true},
		{"https://127.0.0.1/hook", false}, // other port (443)
		{"https://CR.local/hook", true},
		{"https://[::1]:9000/hook", true},
		{"https://[0:0:0:0:0:0:0:1]/hook", true}, // same address, other spelling
		{"https://10.0.0.5:444/hook", true},
		{"https://10.0.0.6/hook", false},
	}
	for _, tt := range tests {
		if err := a.CheckURL(tt.url); (err == nil) != tt.allowed {
			t.Errorf("CheckURL(%q) = %v, want allowed %v", tt.url, err, tt.allowed)
		}
	}
	for _, bad := range [][]string{{"host:0"}, {"host:99999"}, {"a/b"}, {"user@host"}, {"host:port"}} {
		if _, err := ParseAllowedHosts(bad); err == nil {
			t.Errorf("ParseAllowedHosts(%q) accepted a malformed entry", bad)
		}
	}
}

// receiver is a local webhook receiver counting the requests it gets.
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
	hc := NewWebhookClient(5*time.Second, AllowedHosts{})
	// "localhost" passes no save-time check here: only the connection, on
	// the address the name resolved to, stands in the way (DNS rebinding).
	for _, u := range []string{"http://localhost:" + port + "/hook", srv.URL + "/hook"} {
		err := post(t, hc, u)
		if !errors.Is(err, ErrBlockedAddress) || ReasonOf(err) != ReasonInvalid {
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
	allowed, err := ParseAllowedHosts([]string{u.Host})
	if err != nil {
		t.Fatal(err)
	}
	if err := post(t, NewWebhookClient(5*time.Second, allowed), srv.URL+"/hook"); err != nil {
		t.Fatalf("post to the allow-listed %s: %v", u.Host, err)
	}
	if got.Load() != 1 {
		t.Errorf("the allow-listed receiver got %d requests, want 1", got.Load())
	}
	// The same address on another port is not allow-listed.
	other, _ := receiver(t, func(w http.ResponseWriter, _ *http.Request) {})
	if err := post(t, NewWebhookClient(5*time.Second, allowed), other.URL+"/hook"); !errors.Is(err, ErrBlockedAddress) {
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
		allowed, err := ParseAllowedHosts([]string{"127.0.0.1"})
		if err != nil {
			t.Fatal(err)
		}
		err = post(t, NewWebhookClient(5*time.Second, allowed), src.URL+"/hook")
		if err == nil || ReasonOf(err) != ReasonInvalid {
			t.Errorf("redirect %d: got %v (reason %s), want a failed delivery", code, err, ReasonOf(err))
		}
	}
	if reached.Load() != 0 {
		t.Errorf("the redirect target got %d requests, want 0", reached.Load())
	}
}
