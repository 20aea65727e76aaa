package audit

import "context"

// Recorder appends one entry to the audit log; *Log is the implementation
// the server passes to every domain constructor. Record returns nil only
// once the entry is stored. The policy every caller follows: an action
// whose entry cannot be written does not happen. So a caller records the
// entry before it makes the change, and on an error makes no change and
// returns the error (the error mapper answers 503 when the store is
// unreachable, 500 otherwise).
type Recorder interface {
	Record(ctx context.Context, e Entry) error
}

// RecorderFunc adapts a function to Recorder, for tools and tests that
// observe or discard entries.
type RecorderFunc func(ctx context.Context, e Entry) error

// Record calls f.
func (f RecorderFunc) Record(ctx context.Context, e Entry) error { return f(ctx, e) }
