package staff

import (
	"context"
	"log/slog"

	"speaksafe/accounts"
	"speaksafe/audit"
)

// Auditor appends to the audit log (audit.Log satisfies it).
type Auditor interface {
	Record(ctx context.Context, e audit.Entry) error
}

// Recorder appends the audit entries of on-call, device and alert changes:
// who changed which rota, override, policy or device, and when. Entries
// carry ids only. A failed append is logged at ERROR and does not undo the
// change it describes. The zero value records nothing.
type Recorder struct {
	Audit Auditor
	Log   *slog.Logger
}

// Record appends e, with the caller as actor when e names none.
func (r Recorder) Record(ctx context.Context, e audit.Entry) {
	if r.Audit == nil {
		return
	}
	if e.Actor == "" {
		e.Actor = "system"
		if c, ok := accounts.CallerFrom(ctx); ok {
			e.Actor = c.UserID
		}
	}
	if err := r.Audit.Record(context.WithoutCancel(ctx), e); err != nil && r.Log != nil {
		r.Log.ErrorContext(ctx, "audit record failed", "action", e.Action, "object_id", e.ObjectID, "error", err)
	}
}
