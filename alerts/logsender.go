package alerts

import (
	"context"
	"errors"
	"log/slog"
)

// LogSender stands in for FCM when no Firebase configuration exists: it logs
// that a page could not go out (alert id only, never the token) and reports
// it as NOT delivered, so that the engine counts the tier as a gap and
// escalation carries on to the control-room webhook at once. Never use it
// where officers rely on pages.
type LogSender struct {
	Log *slog.Logger
}

// errNoPush is what LogSender answers for every page.
var errNoPush = errors.New("no push configuration")

// Send logs the page and fails it with ReasonNoPush.
func (s LogSender) Send(ctx context.Context, p Page) (Result, error) {
	s.Log.WarnContext(ctx, "push NOT sent: no Firebase configuration (log-only sender)",
		"alert_id", p.AlertID, "platform", p.Platform)
	return Result{}, &SendError{Reason: ReasonNoPush, Err: errNoPush}
}

// NewSender returns the FCM sender when Firebase is configured and the
// log-only sender otherwise, warning loudly at start-up in that case.
func NewSender(ctx context.Context, cfg FCMConfig, log *slog.Logger) (Sender, error) {
	if !cfg.Configured() {
		log.Error("NO FIREBASE CONFIGURATION: urgent alerts will NOT be pushed to officers' phones; " +
			"pages are only logged. Set FIREBASE_PROJECT_ID and GOOGLE_APPLICATION_CREDENTIALS (or FCM_ENDPOINT).")
		return LogSender{Log: log}, nil
	}
	f, err := NewFCM(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return f, nil
}
