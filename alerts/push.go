package alerts

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// AlertText is the only text a push carries. It says nothing about the
// report: the officer opens the app to read the case.
const AlertText = "Urgent safeguarding alert — open SpeakSafe"

// AndroidChannel is the notification channel the app creates for alerts
// (high importance, bypasses nothing the user has not allowed).
const AndroidChannel = "urgent_alerts"

// Page is one push to one device for one alert.
type Page struct {
	AlertID  string
	Token    string
	Platform string
	// TTL is how long FCM may hold the push for an offline device; it covers
	// the alert's whole escalation window.
	TTL time.Duration
	// Text replaces AlertText for a digest page: a count and generic words,
	// never anything of a report.
	Text string
	// ReferralID, when set, makes this a page about an overdue referral
	// (its id instead of an alert id).
	ReferralID string
	// Reminder, when set, makes this a routine reminder (reminderpush.go)
	// instead of an alert page.
	Reminder *ReminderRef
}

// Result is what a push service said about an accepted page.
type Result struct {
	// MessageID is the push service's id of the message.
	MessageID string
}

// Sender delivers pages. It is the one swap in this package: FCM in
// production, a log-only sender in development.
//
// Send makes one attempt (the caller bounds it with ctx) and returns a
// *SendError for any failure, classified so that the dispatcher knows whether
// to retry, when, and whether the token is dead.
type Sender interface {
	Send(ctx context.Context, p Page) (Result, error)
}

// Reason classifies a failed page.
type Reason string

// Reasons. Unregistered removes the token; Quota, Unavailable and Internal
// are retried with back-off; Invalid and Other are retried too (a page that
// may save a child is never silently dropped) but counted separately.
const (
	ReasonUnregistered Reason = "unregistered"
	ReasonQuota        Reason = "quota_exceeded"
	ReasonUnavailable  Reason = "unavailable"
	ReasonInternal     Reason = "internal"
	ReasonTimeout      Reason = "timeout"
	ReasonInvalid      Reason = "invalid"
	ReasonAuth         Reason = "auth"
	ReasonOther        Reason = "other"
	// ReasonNoPush: no push service is configured, so the page can never
	// be delivered; it is given up at once and escalation carries on.
	ReasonNoPush Reason = "no_push_configuration"
)

// SendError is a classified failure of one send.
type SendError struct {
	Reason Reason
	// RetryAfter is the push service's Retry-After, when it sent one.
	RetryAfter time.Duration
	Err        error
}

func (e *SendError) Error() string {
	return fmt.Sprintf("alerts: push %s: %v", e.Reason, e.Err)
}

func (e *SendError) Unwrap() error { return e.Err }

// ReasonOf returns the reason of a send error (ReasonOther when it is not
// classified).
func ReasonOf(err error) Reason {
	var se *SendError
	if errors.As(err, &se) {
		return se.Reason
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return ReasonTimeout
	}
	return ReasonOther
}

// RetryAfterOf returns the Retry-After carried by err, or zero.
func RetryAfterOf(err error) time.Duration {
	var se *SendError
	if errors.As(err, &se) {
		return se.RetryAfter
	}
	return 0
}
