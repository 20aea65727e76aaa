package reports

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"

	"speaksafe/database"
	"speaksafe/errkind"
)

// ExportFormat names the format of a case export bundle
// (docs/concerns.md#the-export-bundle).
const ExportFormat = "speaksafe.case-export.v1"

// collReferrals is where the referrals domain keeps referrals, one
// document per referral with the case id in caseId. An export reads it
// generically, so it needs nothing of that domain's types.
const collReferrals = "referrals"

// CaseHistory reads what the audit log holds about a case, for its export.
type CaseHistory interface {
	// CaseRecords returns every audit record of object type "case" and
	// object id caseID, oldest first, each as its JSON.
	CaseRecords(ctx context.Context, caseID string) ([]json.RawMessage, error)
}

type exportDeps struct {
	keys    *ExportKeys
	history CaseHistory
}

// UseExport sets the keys that sign case exports and where the case
// history comes from. Until it is called, exports are refused.
func (s *Store) UseExport(keys *ExportKeys, history CaseHistory) {
	s.export.Store(&exportDeps{keys: keys, history: history})
}

func (s *Store) exporter() (*exportDeps, error) {
	d := s.export.Load()
	if d == nil || d.keys == nil || d.history == nil {
		return nil, errors.New("reports: case export is not configured")
	}
	return d, nil
}

// Export returns the signed export bundle of case id for an officer or
// supervisor of its force (NotFound for anyone else). The export is
// audited (case.exported) before anything is read, so the bundle's history
// ends with it.
func (s *Store) Export(ctx context.Context, id string) ([]byte, error) {
	caller, d, err := s.caseFor(ctx, id)
	if err != nil {
		return nil, err
	}
	return s.exportCase(ctx, d, caller.UserID)
}

// ExportByReference returns the signed export bundle of the case with
// reference ref for actor (the operator's command line): no force scope.
func (s *Store) ExportByReference(ctx context.Context, ref, actor string) ([]byte, error) {
	norm, ok := ParseReference(ref)
	if !ok {
		return nil, errkind.Invalid("reference", "must be a case reference like SS-7KQ2-MX9D")
	}
	r, err := database.FindByID[refDoc](ctx, s.coll(collRefs), norm, fmt.Errorf("reports: reference %s: %w", norm, errkind.NotFound))
	if err != nil {
		return nil, err
	}
	d, err := s.loadCase(ctx, r.CaseID)
	if err != nil {
		return nil, err
	}
	return s.exportCase(ctx, d, actor)
}

func (s *Store) exportCase(ctx context.Context, d *caseDoc, actor string) ([]byte, error) {
	deps, err := s.exporter()
	if err != nil {
		return nil, err
	}
	if err := s.audit(ctx, actor, "case.exported", d.ID, map[string]string{"format": ExportFormat}); err != nil {
		return nil, err
	}
	b, err := s.bundle(ctx, d, actor, deps.history)
	if err != nil {
		return nil, err
	}
	return signBundle(deps.keys, b)
}

// bundle gathers case d and everything on it.
func (s *Store) bundle(ctx context.Context, d *caseDoc, actor string, history CaseHistory) (*exportBundle, error) {
	detail, err := s.detail(ctx, d)
	if err != nil {
		return nil, err
	}
	b := &exportBundle{Format: ExportFormat, ExportedAt: s.now().UTC(), ExportedBy: actor,
		Case: exportCaseOf(d, &detail), Messages: []exportMessage{}, Notes: []exportNote{}}
	for _, m := range detail.Messages {
		b.Messages = append(b.Messages, exportMessage{ID: m.ID, From: string(m.From), By: m.By, At: m.At, Body: m.Body})
	}
	for _, n := range detail.Notes {
		b.Notes = append(b.Notes, exportNote(n))
	}
	if b.AlertState, err = s.exportAlert(ctx, d); err != nil {
		return nil, err
	}
	if h, err := s.legalHold(ctx, d.ID); err != nil {
		return nil, err
	} else if h != nil {
		b.LegalHold = &exportHold{Reason: h.Reason, By: h.By, At: h.At}
	}
	if b.History, err = history.CaseRecords(ctx, d.ID); err != nil {
		return nil, fmt.Errorf("reports: export history: %w", err)
	}
	if b.Referrals, err = s.exportReferrals(ctx, d.ID); err != nil {
		return nil, err
	}
	return b, nil
}

func (s *Store) exportAlert(ctx context.Context, d *caseDoc) (*exportAlert, error) {
	a, err := database.FindByID[alertStateDoc](ctx, s.coll(collAlertStates), d.ID, nil)
	switch {
	case err != nil:
		return nil, wrapDB("read alert state", err)
	case a.ID != "":
		return &exportAlert{State: string(a.State), UpdatedAt: a.UpdatedAt}, nil
	case d.Urgent:
		return &exportAlert{State: string(AlertOpen), UpdatedAt: d.CreatedAt}, nil
	}
	return nil, nil
}

// exportReferrals reads the case's referrals as relaxed extended JSON,
// whatever their shape; none when the collection does not exist.
func (s *Store) exportReferrals(ctx context.Context, caseID string) ([]json.RawMessage, error) {
	cur, err := s.coll(collReferrals).Find(ctx, bson.D{{Key: "caseId", Value: caseID}})
	if err != nil {
		return nil, dbErr("read referrals", err)
	}
	defer cur.Close(ctx)
	out := []json.RawMessage{}
	for cur.Next(ctx) {
		b, err := bson.MarshalExtJSON(cur.Current, false, false)
		if err != nil {
			return nil, fmt.Errorf("reports: export referral: %w", err)
		}
		out = append(out, b)
	}
	if err := cur.Err(); err != nil {
		return nil, dbErr("read referrals", err)
	}
	return out, nil
}
