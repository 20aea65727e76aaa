package staff

import (
	"context"
	"fmt"
	"log/slog"

	"speaksafe/accounts"
	"speaksafe/audit"
)

// Auditor appends to the audit log: the one audit.Recorder.
type Auditor = audit.Recorder

// Recorder appends the audit entries of on-call, device and alert changes:
// who changed which rota, override, policy or device, and when. Entries
// carry ids only. Record is for a change a member of staff asks for: it is
// written first and a failure stops the change (docs/ARCHITECTURE.md,
// "Auditing"). Note is for a step that stands whatever the log says: a
// refusal, or the system's own housekeeping.
type Recorder struct {
	Audit Auditor
	Log   *slog.Logger
}

// NewRecorder returns the recorder over a; a is required.
func NewRecorder(a Auditor, log *slog.Logger) Recorder {
	if a == nil {
		panic("staff: an auditor is required")
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return Recorder{Audit: a, Log: log}
}

// Record appends e, with the caller as actor when e names none. The change
// e describes is made only when it returns nil.
func (r Recorder) Record(ctx context.Context, e audit.Entry) error {
	if err := r.Audit.Record(context.WithoutCancel(ctx), withActor(ctx, e)); err != nil {
		return fmt.Errorf("staff: audit %s: %w", e.Action, err)
	}
	return nil
}

// Note appends e for a step that has happened or must happen anyway; a
// failed append is logged at ERROR.
func (r Recorder) Note(ctx context.Context, e audit.Entry) {
	e = withActor(ctx, e)
	if err := r.Audit.Record(context.WithoutCancel(ctx), e); err != nil {
		r.Log.ErrorContext(ctx, "audit record failed", "action", e.Action, "object_id", e.ObjectID, "error", err)
	}
}

func withActor(ctx context.Context, e audit.Entry) audit.Entry {
	if e.Actor == "" {
		e.Actor = "system"
		if c, ok := accounts.CallerFrom(ctx); ok {
			e.Actor = c.UserID
		}
	}
	return e
}
