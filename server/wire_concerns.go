package server

import (
	"context"
	"encoding/json"

	"speaksafe/audit"
	"speaksafe/handlers"
	"speaksafe/reports"
)

// wireConcerns adds school concerns, case export and legal holds to the
// reports store the reports section built. The referrals domain, when
// wired, passes itself to a.w.Reports.UseConcernReferrer.
func (a *App) wireConcerns() error {
	keys, err := reports.ParseExportKeys(a.cfg.ExportKeys, a.cfg.AuditKeys)
	if err != nil {
		return err
	}
	a.w.Reports.UseExport(keys, caseHistory{a.w.Audit})
	handlers.NewConcerns(a.w.Reports).Routes(a.Router)
	handlers.NewCaseRecords(a.w.Reports).Routes(a.Router)
	return nil
}

// caseHistory reads a case's audit records for its export.
type caseHistory struct{ log *audit.Log }

// CaseRecords returns the audit records of case caseID as JSON.
func (h caseHistory) CaseRecords(ctx context.Context, caseID string) ([]json.RawMessage, error) {
	recs, err := h.log.ObjectRecords(ctx, "case", caseID)
	if err != nil {
		return nil, err
	}
	out := make([]json.RawMessage, 0, len(recs))
	for _, r := range recs {
		out = append(out, r.Canonical())
	}
	return out, nil
}
