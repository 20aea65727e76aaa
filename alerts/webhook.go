package alerts

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
	"net/http"
	"strconv"
	"time"

	"speaksafe/outbound"
)

// Webhook request headers. The signature is
// "v1=" + hex(HMAC-SHA256(secret, timestamp + "." + body)), so a receiver
// can reject replays by the timestamp and forgeries by the signature.
const (
	HeaderTimestamp = "X-SpeakSafe-Timestamp"
	HeaderSignature = "X-SpeakSafe-Signature"
)

// WebhookEvent is what the control room receives: ids and times only.
// Its JSON is the signed body of the webhook, a format control rooms
// build against (docs/alerts.md), so it is declared here with its tags
// rather than in handlers.
type WebhookEvent struct {
	Event    string    `json:"event"` // what happened: "alert.unacknowledged"
	AlertID  string    `json:"alertId"`
	ForceID  string    `json:"forceId"`
	OpenedAt time.Time `json:"openedAt"` // when the urgent report opened the alert

	// Where the escalation stands, all counted from 0: Step is the
	// escalation step, Tier the policy tier of this step, Round how many
	// times the policy has been walked before it.
	Step  int `json:"step"`
	Tier  int `json:"tier"`
	Round int `json:"round"`

	SentAt time.Time `json:"sentAt"` // to the second; the timestamp header carries the same
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
	if errors.Is(err, outbound.ErrBlockedAddress) {
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
