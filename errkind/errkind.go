// Package errkind names the kinds of failure that domain packages report and
// the HTTP layer turns into problem+json answers. Domain packages wrap these
// sentinels (fmt.Errorf("reports: case: %w", errkind.NotFound)) so that the
// one error handler can map them without knowing every domain.
package errkind

import (
	"errors"
	"strings"
	"time"
)

// Sentinel kinds. Wrap them with %w; match them with errors.Is.
var (
	// NotFound: the object does not exist or the caller may not see it.
	// Both answer the same, so that existence does not leak.
	NotFound = errors.New("not found")
	// Conflict: the request clashes with the current state (duplicate, wrong
	// state transition, same idempotency key with another body).
	Conflict = errors.New("conflict")
	// PreconditionFailed: an If-Match did not match the current version.
	PreconditionFailed = errors.New("precondition failed")
	// Unauthorized: credentials are missing or wrong.
	Unauthorized = errors.New("unauthorized")
	// Forbidden: the caller is known but the action is not theirs to take.
	Forbidden = errors.New("forbidden")
	// Unavailable: a dependency is down; the client may retry.
	Unavailable = errors.New("unavailable")
)

// RateLimited is returned when a caller has used up an allowance.
type RateLimited struct {
	RetryAfter time.Duration
	// Detail, when set, is what the client is told instead of the generic
	// text (e.g. to call 999 when an urgent report is refused).
	Detail string
}

func (e *RateLimited) Error() string { return "rate limited" }

// FieldError is one problem with one field of the input.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// ValidationError collects every problem found in an input, not just the
// first, so that a client can fix them all at once.
type ValidationError struct {
	Fields []FieldError
}

func (e *ValidationError) Error() string {
	parts := make([]string, 0, len(e.Fields))
	for _, f := range e.Fields {
		parts = append(parts, f.Field+": "+f.Message)
	}
	return "invalid input: " + strings.Join(parts, "; ")
}

// Add records a problem with field.
func (e *ValidationError) Add(field, message string) {
	e.Fields = append(e.Fields, FieldError{Field: field, Message: message})
}

// Check records a problem with field when cond is true.
func (e *ValidationError) Check(cond bool, field, message string) {
	if cond {
		e.Add(field, message)
	}
}

// Err returns e when it holds any field error and nil otherwise, so that
// Validate methods can end with `return v.Err()`.
func (e *ValidationError) Err() error {
	if e == nil || len(e.Fields) == 0 {
		return nil
	}
	return e
}

// Invalid returns a ValidationError for a single field.
func Invalid(field, message string) error {
	return &ValidationError{Fields: []FieldError{{Field: field, Message: message}}}
}

// ExplainedConflict is a Conflict whose Detail is safe to show the client:
// the error mapper sends it as the problem's detail. Pkg prefixes the
// message, as wrapping would.
type ExplainedConflict struct {
	Pkg    string
	Detail string
}

func (c *ExplainedConflict) Error() string { return c.Pkg + ": " + c.Detail }

// Unwrap makes errors.Is(err, Conflict) hold.
func (c *ExplainedConflict) Unwrap() error { return Conflict }

// ConflictDetail is the client-safe explanation.
func (c *ExplainedConflict) ConflictDetail() string { return c.Detail }
