package alerts

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"speaksafe/fcmfake"
)

func newFakeFCM(t *testing.T) (*fcmfake.Server, *FCM) {
	t.Helper()
	fake := fcmfake.New()
	t.Cleanup(fake.Close)
	f, err := NewFCM(context.Background(), FCMConfig{ProjectID: "test-project", Endpoint: fake.Endpoint()})
	if err != nil {
		t.Fatalf("NewFCM: %v", err)
	}
	return fake, f
}

func TestFCMSendCarriesOnlyAlertIDAndUrgentSettings(t *testing.T) {
	t.Parallel()
	fake, f := newFakeFCM(t)
	res, err := f.Send(context.Background(), Page{AlertID: "alert-1", Token: "tok-1", Platform: "ios", TTL: 10 * time.Minute})
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	if res.MessageID == "" {
		t.Errorf("got empty message id")
	}
	reqs := fake.Requests()
	if len(reqs) != 1 {
		t.Fatalf("got %d requests, want 1", len(reqs))
	}
	r := reqs[0]
	if r.Project != "test-project" || r.Token != "tok-1" {
		t.Errorf("got project %q token %q, want test-project tok-1", r.Project, r.Token)
	}
	var body struct {
		Message struct {
			Data         map[string]string `json:"data"`
			Notification struct{ Body string }
			Android      struct {
				Priority     string `json:"priority"`
				CollapseKey  string `json:"collapse_key"`
				TTL          string `json:"ttl"`
				Notification struct {
					ChannelID string `json:"channel_id"`
				} `json:"notification"`
			} `json:"android"`
			APNS struct {
				Headers map[string]string `json:"headers"`
				Payload struct {
					Aps map[string]any `json:"aps"`
				} `json:"payload"`
			} `json:"apns"`
		} `json:"message"`
	}
	if err := json.Unmarshal(r.Body, &body); err != nil {
		t.Fatal(err)
	}
	m := body.Message
	if len(m.Data) != 1 || m.Data["alertId"] != "alert-1" {
		t.Errorf("got data %v, want only alertId", m.Data)
	}
	if m.Notification.Body != AlertText {
		t.Errorf("got text %q, want %q", m.Notification.Body, AlertText)
	}
	if m.Android.Priority != "high" || m.Android.CollapseKey != "alert-1" || m.Android.TTL != "600s" ||
		m.Android.Notification.ChannelID != AndroidChannel {
		t.Errorf("got android %+v", m.Android)
	}
	h := m.APNS.Headers
	if h["apns-priority"] != "10" || h["apns-collapse-id"] != "alert-1" {
		t.Errorf("got apns headers %v", h)
	}
	if m.APNS.Payload.Aps["interruption-level"] != "time-sensitive" {
		t.Errorf("got aps %v, want interruption-level time-sensitive", m.APNS.Payload.Aps)
	}
}

func TestFCMClassifiesFailures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		setup      func(*fcmfake.Server)
		want       Reason
		retryAfter time.Duration
	}{
		{"unregistered", func(s *fcmfake.Server) { s.Unregister("tok") }, ReasonUnregistered, 0},
		{"quota", func(s *fcmfake.Server) { s.FailNext(1, http.StatusTooManyRequests, 7*time.Second) }, ReasonQuota, 7 * time.Second},
		// A Retry-After beyond the SDK's own two-minute cap stops its
		// internal retries, so the dispatcher sees the 503 at once.
		{"unavailable", func(s *fcmfake.Server) { s.FailNext(5, http.StatusServiceUnavailable, 300*time.Second) }, ReasonUnavailable, 300 * time.Second},
		{"internal", func(s *fcmfake.Server) { s.FailNext(1, http.StatusInternalServerError, 0) }, ReasonInternal, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fake, f := newFakeFCM(t)
			tc.setup(fake)
			_, err := f.Send(context.Background(), Page{AlertID: "a", Token: "tok"})
			if got := ReasonOf(err); got != tc.want {
				t.Fatalf("got reason %q (%v), want %q", got, err, tc.want)
			}
			if got := RetryAfterOf(err); got != tc.retryAfter {
				t.Errorf("got retry-after %v, want %v", got, tc.retryAfter)
			}
			if strings.Contains(err.Error(), "tok") {
				t.Errorf("error text %q contains the token", err)
			}
		})
	}
}
