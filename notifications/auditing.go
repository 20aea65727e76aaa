package notifications

import (
	"context"
	"log/slog"

	"speaksafe/accounts"
	"speaksafe/audit"
)

// recorder appends this package's audit entries: who changed which rota,
// override, policy or device, and when. Entries carry ids only. A failed
// append is logged at ERROR and does not undo the change it describes.
type recorder struct {
	audit Auditor
	log   *slog.Logger
}

// record appends e, with the caller as actor when e names none.
func (r recorder) record(ctx context.Context, e audit.Entry) {
	if r.audit == nil {
		return
	}
	if e.Actor == "" {
		e.Actor = "system"
		if c, ok := accounts.CallerFrom(ctx); ok {
			e.Actor = c.UserID
		}
	}
	if err := r.audit.Record(context.WithoutCancel(ctx), e); err != nil && r.log != nil {
		r.log.ErrorContext(ctx, "audit record failed", "action", e.Action, "object_id", e.ObjectID, "error", err)
	}
}
