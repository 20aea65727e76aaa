package server

import (
	"context"
	"errors"

	"speaksafe/audit"
	"speaksafe/database"
	"speaksafe/errkind"
	"speaksafe/handlers"
	"speaksafe/reports"
)

// wireCaseHistory serves case timelines out of the audit chain.
func (a *App) wireCaseHistory() {
	a.AddSetup("audit object index", func(ctx context.Context) error {
		return database.EnsureIndexes(ctx, a.db, audit.ObjectIndexes())
	})
	h := handlers.NewCaseHistory(reports.NewHistory(a.w.Reports, auditObjects{a.w.Audit}))
	h.UseNames(staffNames{a})
	h.Routes(a.Router)
}

// staffNames names a force's own staff from accounts.
type staffNames struct{ a *App }

func (s staffNames) UserName(ctx context.Context, forceID, id string) (string, error) {
	u, err := s.a.w.Accounts.LookupUser(ctx, id)
	if errors.Is(err, errkind.NotFound) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	if u.ForceID != forceID || forceID == "" {
		return "", nil
	}
	return u.Name, nil
}

// auditObjects reads the audit chain for reports.History.
type auditObjects struct{ log *audit.Log }

func (o auditObjects) ForObject(ctx context.Context, types []string, id string, after int64, limit int) ([]reports.HistoryEntry, error) {
	recs, err := o.log.ForObject(ctx, types, id, after, limit)
	if err != nil {
		return nil, err
	}
	out := make([]reports.HistoryEntry, len(recs))
	for i, r := range recs {
		out[i] = reports.HistoryEntry{Seq: r.Seq, At: r.At, Actor: r.Actor, Action: r.Action, ObjectType: r.ObjectType, Detail: r.Detail}
	}
	return out, nil
}

// wireHandles names other forces in handle matches, lists pattern signals
// to supervisors and indexes the handles of cases stored before matching
// (or under another key) in the background, resumably.
func (a *App) wireHandles(cases *handlers.Cases) {
	cases.UseForceNames(forceNames{a})
	handlers.NewPatternSignals(a.w.Reports).Routes(a.Router)
	a.AddWorker("handle backfill", WorkerFunc(func(ctx context.Context) {
		n, err := a.w.Reports.BackfillHandles(ctx)
		if err != nil && ctx.Err() == nil {
			a.logger.ErrorContext(ctx, "handle backfill stopped; it resumes at the next start", "cases_read", n, "error", err)
		}
	}))
}

// forceNames names forces from accounts.
type forceNames struct{ a *App }

func (f forceNames) ForceName(ctx context.Context, id string) (string, error) {
	o, err := f.a.w.Accounts.GetOrganisation(ctx, id)
	if err != nil {
		return "", err
	}
	return o.Name, nil
}
