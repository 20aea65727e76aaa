package server

import (
	"speaksafe/auditlog"
	"speaksafe/console"
	"speaksafe/handlers"
	"speaksafe/reports"
)

// wireConsole serves the web console under /console/ with the very stores
// and token checks the API's handlers use.
func (a *App) wireConsole() error {
	c, err := console.New(console.Deps{Auth: a.w.Auth, Authenticator: a.w.StaffAuth, Accounts: a.w.Accounts,
		Reports: a.w.Reports, Alerts: a.w.Alerts, OnCall: a.w.OnCall, Content: a.w.Content, Referrals: a.w.Referrals, Limits: a.w.Limits,
		Logger:  a.logger,
		History: reports.NewHistory(a.w.Reports, auditObjects{a.w.Audit}), Reminders: a.w.Reminders, Stats: a.w.Stats,
		AuditLog: auditlog.NewReader(a.w.Audit, a.w.Accounts, a.w.Reports), Now: a.clock})
	if err != nil {
		return err
	}
	c.Routes(a.Fiber)
	a.w.Console = c
	return nil
}

// ConsolePolicies returns the policy of every console route, keyed like
// Router.Policies.
func (a *App) ConsolePolicies() map[string]handlers.Policy { return a.w.Console.Policies() }
