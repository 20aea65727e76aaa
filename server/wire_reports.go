package server

import (
	"context"
	"errors"
	"fmt"
	"time"

	"speaksafe/accounts"
	"speaksafe/database"
	"speaksafe/errkind"
	"speaksafe/handlers"
	"speaksafe/reports"
)

// reportsSweepInterval is how often the retention schedule runs.
const reportsSweepInterval = 15 * time.Minute

// wireReports builds the reports store, its routes and its retention
// sweeper. It needs the accounts section (organisations, users, audit, rate
// limits) and the alerts section (the dispatcher); the two are joined here
// because each needs the other.
func (a *App) wireReports() error {
	receiptKeys, err := reports.ParseReceiptKeys(a.cfg.ReceiptKeys)
	if err != nil {
		return err
	}
	handleKeys, err := a.cfg.handleKeys()
	if err != nil {
		return err
	}
	a.w.Reports, err = reports.NewStore(a.db, reports.Config{
		Keys:                a.w.DataKeys,
		ReceiptKeys:         receiptKeys,
		HandleKeys:          handleKeys,
		Patterns:            a.cfg.patternLimits(),
		Argon2:              reports.Argon2Params(a.cfg.Argon2),
		HashBudget:          a.w.HashBudget,
		Forces:              reports.ForcesFunc(a.forceByCode),
		Audit:               a.w.Audit,
		Limiter:             a.w.Limiter,
		Handlers:            reports.HandlersFunc(a.canHandleCases),
		Hours:               reports.HoursFunc(a.forceReadingHours),
		Logger:              a.logger,
		Now:                 a.clock,
		ClosedCaseRetention: a.cfg.ClosedCaseRetention,
		RoutineInFlight:     a.cfg.RoutineInFlight,
		Flood: reports.FloodLimits{PerNetwork: a.cfg.UrgentFloodPerNetwork, PerForce: a.cfg.UrgentFloodPerForce,
			Window: a.cfg.UrgentFloodWindow},
	})
	if err != nil {
		return err
	}
	// Urgent reports open their alert through the dispatcher; the dispatcher
	// voids alerts whose case never got stored and marks cases acknowledged.
	a.w.Reports.UseAlerter(a.w.Alerts)
	a.w.Alerts.UseCases(a.w.Reports)
	a.Router.UseReporterAuthenticator(a.w.Reports)
	a.AddSetup("reports indexes", func(ctx context.Context) error {
		return database.EnsureIndexes(ctx, a.db, reports.Indexes())
	})
	a.AddWorker("reports retention", WorkerFunc(func(ctx context.Context) {
		a.w.Reports.RunSweeper(ctx, reportsSweepInterval)
	}))
	handlers.NewReports(a.w.Reports, a.w.Limits).Routes(a.Router)
	handlers.NewReporterCases(a.w.Reports, a.w.Limits).Routes(a.Router)
	cases := handlers.NewCases(a.w.Reports)
	cases.Routes(a.Router)
	a.wireCaseHistory()
	a.wireHandles(cases)
	a.wireReminders()
	return nil
}

// forceByCode resolves the force code a child picked; a school's code is
// not a force.
func (a *App) forceByCode(ctx context.Context, code string) (string, error) {
	o, err := a.w.Accounts.OrgRefByCode(ctx, code)
	if err != nil {
		return "", err
	}
	if o.Kind != accounts.OrgForce {
		return "", fmt.Errorf("server: organisation code is not a force: %w", errkind.NotFound)
	}
	return o.ID, nil
}

// canHandleCases reports whether userID is an active officer or supervisor
// of force forceID, who may be assigned its cases.
func (a *App) canHandleCases(ctx context.Context, forceID, userID string) (bool, error) {
	u, err := a.w.Accounts.LookupUser(ctx, userID)
	if errors.Is(err, errkind.NotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return !u.Disabled && u.OrgKind == accounts.OrgForce && u.ForceID == forceID &&
		(u.Role == accounts.RoleOfficer || u.Role == accounts.RoleSupervisor), nil
}

// forceReadingHours returns the reading hours force forceID stated, which
// the guidance after a routine report quotes; ok is false when it stated
// none.
func (a *App) forceReadingHours(ctx context.Context, forceID string) (reports.ReadingHours, bool, error) {
	o, err := a.w.Accounts.GetOrganisation(ctx, forceID)
	if errors.Is(err, errkind.NotFound) {
		return reports.ReadingHours{}, false, nil
	}
	if err != nil {
		return reports.ReadingHours{}, false, err
	}
	h := o.ReadingHours
	if o.Kind != accounts.OrgForce || h == nil {
		return reports.ReadingHours{}, false, nil
	}
	first, last := h.Days()
	return reports.ReadingHours{EveryDay: h.EveryDay(), FirstDay: first, LastDay: last, From: h.From, To: h.To}, true, nil
}
