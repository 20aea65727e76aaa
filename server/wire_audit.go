package server

import (
	"context"

	"speaksafe/audit"
)

// wireAudit builds the keyed audit chain, the monitor that verifies and
// checkpoints it every minute; its routes are wired with the audit log's
// reader (wireOversight).
func (a *App) wireAudit() error {
	keys, err := audit.ParseKeys(a.cfg.AuditKeys)
	if err != nil {
		return err
	}
	a.w.Audit = audit.New(a.db, a.logger, a.clock, audit.WithKeys(keys))
	a.w.AuditMonitor = audit.NewMonitor(a.w.Audit, a.logger, a.Metrics)
	// The first checkpoint, before anything is appended, pins the entries
	// written before the chain was keyed (and moves entries stored with
	// numeric keys to string ones first).
	a.AddSetup("audit checkpoint", func(ctx context.Context) error {
		_, err := a.w.Audit.Checkpoint(ctx)
		return err
	})
	a.AddWorker("audit monitor", a.w.AuditMonitor)
	return nil
}

// AuditMonitor returns the monitor of the audit chain, whose checks tests
// run on demand.
func (a *App) AuditMonitor() *audit.Monitor { return a.w.AuditMonitor }
