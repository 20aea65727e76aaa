package server

import (
	"context"

	"speaksafe/audit"
	"speaksafe/database"
	"speaksafe/handlers"
	"speaksafe/reports"
)

// wireCaseHistory serves case timelines out of the audit chain.
func (a *App) wireCaseHistory() {
	a.AddSetup("audit object index", func(ctx context.Context) error {
		return database.EnsureIndexes(ctx, a.db, audit.ObjectIndexes())
	})
	handlers.NewCaseHistory(reports.NewHistory(a.w.Reports, auditObjects{a.w.Audit})).Routes(a.Router)
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
