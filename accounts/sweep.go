package accounts

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"speaksafe/errkind"
)

// ParseRoles reads a list of role names from the variable named name,
// rejecting unknown roles.
func ParseRoles(name string, roles []string) ([]Role, error) {
	out := make([]Role, 0, len(roles))
	for _, r := range roles {
		role := Role(strings.TrimSpace(r))
		if !role.Valid() {
			return nil, errkind.Invalid(name, "unknown role "+string(role))
		}
		out = append(out, role)
	}
	return out, nil
}

// sweepable is anything that deletes its expired data.
type sweepable interface {
	Sweep(ctx context.Context) error
}

// SweepWorker deletes expired credentials and rate-limit windows every
// minute. The audit chain is checked by the audit monitor, not here.
type SweepWorker struct {
	store   *Store
	limiter sweepable
	logger  *slog.Logger
}

// Sweeper returns the accounts' background worker.
func Sweeper(store *Store, limiter sweepable, logger *slog.Logger) *SweepWorker {
	return &SweepWorker{store: store, limiter: limiter, logger: logger}
}

// Run sweeps until ctx ends.
func (w *SweepWorker) Run(ctx context.Context) {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := w.store.Sweep(ctx); err != nil {
			w.logger.WarnContext(ctx, "accounts sweep failed", "error", err)
		}
		if err := w.limiter.Sweep(ctx); err != nil {
			w.logger.WarnContext(ctx, "rate-limit sweep failed", "error", err)
		}
	}
}
