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

// verifier checks the audit chain.
type verifier interface {
	Verify(ctx context.Context) (int64, error)
}

// SweepWorker deletes expired credentials and rate-limit windows every
// minute, and checks the audit chain once at start.
type SweepWorker struct {
	store   *Store
	limiter sweepable
	audit   verifier
	logger  *slog.Logger
}

// Sweeper returns the accounts' background worker.
func Sweeper(store *Store, limiter sweepable, audit verifier, logger *slog.Logger) *SweepWorker {
	return &SweepWorker{store: store, limiter: limiter, audit: audit, logger: logger}
}

// Run sweeps until ctx ends.
func (w *SweepWorker) Run(ctx context.Context) {
	if n, err := w.audit.Verify(ctx); err != nil {
		w.logger.ErrorContext(ctx, "audit chain check failed", "entries", n, "error", err)
	} else {
		w.logger.InfoContext(ctx, "audit chain intact", "entries", n)
	}
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
