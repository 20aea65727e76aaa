package alerts

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	firebase "firebase.google.com/go/v4"
	"firebase.google.com/go/v4/errorutils"
	"firebase.google.com/go/v4/messaging"
	"google.golang.org/api/option"
)

// FCMConfig says how to reach Firebase Cloud Messaging.
type FCMConfig struct {
	// ProjectID is the Firebase project (FIREBASE_PROJECT_ID).
	ProjectID string
	// CredentialsFile is a service-account JSON file
	// (GOOGLE_APPLICATION_CREDENTIALS); empty uses the default credentials.
	CredentialsFile string
	// Endpoint, when set (FCM_ENDPOINT), points the SDK at another FCM v1
	// compatible server without authentication: a fake in tests.
	Endpoint string
}

// Configured reports whether there is enough to send real pushes.
func (c FCMConfig) Configured() bool {
	return c.Endpoint != "" || c.ProjectID != "" || c.CredentialsFile != ""
}

// FCM sends pages through the Firebase Admin SDK.
type FCM struct {
	client *messaging.Client
}

// NewFCM builds the messaging client. With an endpoint it talks to that
// server unauthenticated; otherwise it uses Google credentials.
func NewFCM(ctx context.Context, cfg FCMConfig) (*FCM, error) {
	var opts []option.ClientOption
	project := cfg.ProjectID
	if cfg.Endpoint != "" {
		opts = append(opts, option.WithEndpoint(cfg.Endpoint), option.WithoutAuthentication())
		if project == "" {
			project = "speaksafe-local"
		}
	} else if cfg.CredentialsFile != "" {
		opts = append(opts, option.WithCredentialsFile(cfg.CredentialsFile))
	}
	var fbcfg *firebase.Config
	if project != "" {
		fbcfg = &firebase.Config{ProjectID: project}
	}
	app, err := firebase.NewApp(ctx, fbcfg, opts...)
	if err != nil {
		return nil, fmt.Errorf("alerts: firebase app: %w", err)
	}
	client, err := app.Messaging(ctx)
	if err != nil {
		return nil, fmt.Errorf("alerts: firebase messaging: %w", err)
	}
	return &FCM{client: client}, nil
}

// Send pushes one page. The SDK itself retries a 503 a few times within the
// caller's deadline; anything still failing is classified for the
// dispatcher.
func (f *FCM) Send(ctx context.Context, p Page) (Result, error) {
	id, err := f.client.Send(ctx, Message(p))
	if err != nil {
		return Result{}, classifyFCM(ctx, err)
	}
	return Result{MessageID: id}, nil
}

// Message builds the FCM message for a page: the alert id and generic text
// only, delivered at the highest priority each platform allows, collapsed
// per alert so that a repeat replaces rather than stacks.
func Message(p Page) *messaging.Message {
	if p.Reminder != nil {
		return reminderMessage(p)
	}
	ttl := p.TTL
	if ttl <= 0 {
		ttl = time.Hour
	}
	text := AlertText
	if p.Text != "" {
		text = p.Text
	}
	data, collapse := map[string]string{"alertId": p.AlertID}, p.AlertID
	if p.ReferralID != "" {
		data, collapse = map[string]string{"referralId": p.ReferralID}, "referral-"+p.ReferralID
	}
	return &messaging.Message{
		Token:        p.Token,
		Data:         data,
		Notification: &messaging.Notification{Title: "SpeakSafe", Body: text},
		Android: &messaging.AndroidConfig{
			Priority:     "high",
			CollapseKey:  collapse,
			TTL:          &ttl,
			Notification: &messaging.AndroidNotification{ChannelID: AndroidChannel, Priority: messaging.PriorityMax},
		},
		APNS: &messaging.APNSConfig{
			Headers: map[string]string{
				"apns-priority":    "10",
				"apns-push-type":   "alert",
				"apns-collapse-id": collapse,
				"apns-expiration":  strconv.FormatInt(time.Now().Add(ttl).Unix(), 10),
			},
			Payload: &messaging.APNSPayload{Aps: &messaging.Aps{
				Sound:      "default",
				CustomData: map[string]any{"interruption-level": "time-sensitive"},
			}},
		},
	}
}

func classifyFCM(ctx context.Context, err error) error {
	se := &SendError{Reason: ReasonOther, Err: err}
	switch {
	case messaging.IsUnregistered(err):
		se.Reason = ReasonUnregistered
	case messaging.IsQuotaExceeded(err) || errorutils.IsResourceExhausted(err):
		se.Reason = ReasonQuota
	case messaging.IsUnavailable(err):
		se.Reason = ReasonUnavailable
	case messaging.IsInternal(err):
		se.Reason = ReasonInternal
	case errorutils.IsDeadlineExceeded(err) || errors.Is(ctx.Err(), context.DeadlineExceeded):
		se.Reason = ReasonTimeout
	case messaging.IsInvalidArgument(err) || messaging.IsSenderIDMismatch(err):
		se.Reason = ReasonInvalid
	case errorutils.IsUnauthenticated(err) || errorutils.IsPermissionDenied(err) ||
		messaging.IsThirdPartyAuthError(err):
		se.Reason = ReasonAuth
	}
	if resp := errorutils.HTTPResponse(err); resp != nil {
		se.RetryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
	}
	return se
}

// parseRetryAfter reads delta-seconds or an HTTP date. Callers pass the
// wall clock, not the engine's clock: an HTTP date (like APNs' expiry) is
// the peer's wall time, which a test's injected clock is not.
func parseRetryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil && s > 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
