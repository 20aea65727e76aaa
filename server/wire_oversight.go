package server

import (
	"context"

	"speaksafe/audit"
	"speaksafe/auditlog"
	"speaksafe/database"
	"speaksafe/handlers"
	"speaksafe/oncall"
	"speaksafe/reports"
	"speaksafe/stats"
)

// wireOversight builds the figures for supervisors and commissioners and
// the audit log routes (reading by admins and supervisors, the chain's
// state for admins). It runs after the reports section, whose reminders
// it counts.
func (a *App) wireOversight() {
	a.w.Stats = stats.NewService(a.w.Reports, a.w.Alerts, a.w.Accounts)
	a.AddSetup("figures indexes", func(ctx context.Context) error {
		return database.EnsureIndexes(ctx, a.db, reports.FactIndexes())
	})
	a.w.Stats.UseReminders(a.w.Reminders)
	handlers.NewStats(a.w.Stats, a.w.Accounts, a.clock).Routes(a.Router)

	a.AddSetup("audit log indexes", func(ctx context.Context) error {
		return database.EnsureIndexes(ctx, a.db, audit.Indexes())
	})
	reader := auditlog.NewReader(a.w.Audit, a.w.Accounts, a.w.Reports)
	handlers.NewAudit(a.w.Audit, reader, a.w.AuditMonitor).Routes(a.Router)
}

// OnCall returns the on-call store, so that tests built without background
// workers can run its override sweep on their clock.
func (a *App) OnCall() *oncall.OnCall { return a.w.OnCall }
