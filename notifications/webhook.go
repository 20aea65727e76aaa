package notifications

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"
)

// Webhook request headers. The signature is
// "v1=" + hex(HMAC-SHA256(secret, timestamp + "." + body)), so a receiver
// can reject replays by the timestamp and forgeries by the signature.
const (
	HeaderTimestamp = "X-SpeakSafe-Timestamp"
	HeaderSignature = "X-SpeakSafe-Signature"
)

// WebhookEvent is what the control room receives: ids and times only.
type WebhookEvent struct {
	Event    string    `json:"event"`
	AlertID  string    `json:"alertId"`
	ForceID  string    `json:"forceId"`
	OpenedAt time.Time `json:"openedAt"`
	Step     int       `json:"step"`
	Tier     int       `json:"tier"`
	Round    int       `json:"round"`
	SentAt   time.Time `json:"sentAt"`
}

// Sign returns the signature header value for body sent at ts.
func Sign(secret string, ts time.Time, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(strconv.FormatInt(ts.Unix(), 10)))
	mac.Write([]byte("."))
	mac.Write(body)
	return "v1=" + hex.EncodeToString(mac.Sum(nil))
}

// VerifySignature checks a webhook request's signature (constant time).
func VerifySignature(secret, timestamp, signature string, body []byte) bool {
	sec, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return false
	}
	want := Sign(secret, time.Unix(sec, 0), body)
	return hmac.Equal([]byte(want), []byte(signature))
}

// WebhookTimeout bounds one webhook attempt, as the engine bounds a push.
const WebhookTimeout = 10 * time.Second

// NewWebhookClient returns the HTTP client that posts to control rooms. It
// connects only to public addresses, checked on the resolved address of
// every connection (so DNS rebinding cannot reach an internal service),
// unless the URL's host is in allowed; it uses no proxy from the environment
// and follows no redirects: a redirect is a failed delivery.
func NewWebhookClient(timeout time.Duration, allowed AllowedHosts) *http.Client {
	guarded := &net.Dialer{Timeout: timeout, Control: refuseBlocked}
	open := &net.Dialer{Timeout: timeout}
	dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
		if host, port, err := net.SplitHostPort(addr); err == nil && allowed.Allows(host, port) {
			return open.DialContext(ctx, network, addr)
		}
		return guarded.DialContext(ctx, network, addr)
	}
	tr := &http.Transport{Proxy: nil, DialContext: dial, ForceAttemptHTTP2: true, MaxIdleConns: 20,
		IdleConnTimeout: 90 * time.Second, TLSHandshakeTimeout: timeout, ExpectContinueTimeout: time.Second}
	return &http.Client{Timeout: timeout, Transport: tr,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// postWebhook sends one signed event. Any 2xx is success; anything else is
// a retryable failure carrying the receiver's Retry-After.
func postWebhook(ctx context.Context, hc *http.Client, url, secret string, ev WebhookEvent) error {
	body, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return &SendError{Reason: ReasonInvalid, Err: err}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(ev.SentAt.Unix(), 10))
	req.Header.Set(HeaderSignature, Sign(secret, ev.SentAt, body))
	resp, err := hc.Do(req)
	if errors.Is(err, ErrBlockedAddress) {
		return &SendError{Reason: ReasonInvalid, Err: fmt.Errorf("webhook: %w", err)}
	}
	if err != nil {
		return &SendError{Reason: ReasonUnavailable, Err: fmt.Errorf("webhook: %w", err)}
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 == 2 {
		return nil
	}
	if resp.StatusCode/100 == 3 {
		return &SendError{Reason: ReasonInvalid, Err: fmt.Errorf("webhook: redirect %d refused", resp.StatusCode)}
	}
	reason := ReasonUnavailable
	if resp.StatusCode == http.StatusTooManyRequests {
		reason = ReasonQuota
	}
	return &SendError{Reason: reason, RetryAfter: parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()),
		Err: fmt.Errorf("webhook: status %d", resp.StatusCode)}
}
