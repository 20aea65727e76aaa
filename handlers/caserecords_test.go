package handlers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"speaksafe/apptest"
	"speaksafe/audit"
	"speaksafe/reports"
)

func exportKeys(t *testing.T, app *apptest.App) *reports.ExportKeys {
	t.Helper()
	k, err := reports.ParseExportKeys(app.Cfg.ExportKeys, app.Cfg.AuditKeys)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func caseAuditActions(t *testing.T, app *apptest.App, caseID string) []string {
	t.Helper()
	recs, err := audit.New(app.DB, nil, nil).ObjectRecords(context.Background(), "case", caseID)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range recs {
		out = append(out, r.Actor+" "+r.Action)
	}
	return out
}

// An officer exports a case with everything on it as one signed bundle:
// it verifies with the force's key, still verifies re-indented, and fails
// once any value in it is changed. Only the case's force may export it,
// and the export is in the audit log and at the end of the bundle's history.
func TestCaseExportBundleVerifiesAndTamperingFails(t *testing.T) {
	t.Parallel()
	app := apptest.New(t, apptest.WithClock(apptest.NewClock(concernClockStart)))
	w := app.NewWorld(t)
	officer := w.Who(t, "forceA/officer")
	body := routineReport(w.ForceA.Code, "a man online sends me money")
	body["contact"] = map[string]any{"email": "sam@example.org", "mayContact": true}
	var ans reportAnswer
	postReport(t, app, freshKey(), body, nil).Decode(t, &ans)
	id := caseOf(t, app, ans.Reference)
	app.Get(t, "/v1/cases/"+id, officer.Token)
	app.Post(t, "/v1/cases/"+id+"/messages", officer.Token, map[string]string{"body": "MSG-MARKER are you safe?"})
	app.Post(t, "/v1/cases/"+id+"/notes", officer.Token, map[string]string{"body": "NOTE-MARKER call the school"})

	for _, who := range []string{"forceB/officer", "forceB/supervisor", "schoolA/safeguarding_lead", "forceA/safeguarding_lead"} {
		if res := app.Post(t, "/v1/cases/"+id+"/export", w.Who(t, who).Token, nil); res.Status != http.StatusNotFound {
			t.Errorf("%s exports the case: got %d, want 404", who, res.Status)
		}
	}
	res := app.Post(t, "/v1/cases/"+id+"/export", officer.Token, nil)
	if res.Status != http.StatusOK {
		t.Fatalf("export: got %d; %s", res.Status, res.Body)
	}
	for _, want := range []string{"a man online sends me money", "sam@example.org", "MSG-MARKER", "NOTE-MARKER", "case.opened", "case.exported"} {
		if !bytes.Contains(res.Body, []byte(want)) {
			t.Errorf("the bundle lacks %q", want)
		}
	}
	keys := exportKeys(t, app)
	sum, err := reports.VerifyExport(keys, res.Body)
	if err != nil || sum.Reference != ans.Reference || sum.ExportedBy != officer.ID {
		t.Fatalf("the bundle does not verify: %v (%+v)", err, sum)
	}
	var reindented bytes.Buffer
	if err := json.Indent(&reindented, res.Body, "", "\t"); err != nil {
		t.Fatal(err)
	}
	if _, err := reports.VerifyExport(keys, reindented.Bytes()); err != nil {
		t.Errorf("a re-indented bundle no longer verifies: %v", err)
	}
	tampered := bytes.Replace(res.Body, []byte("NOTE-MARKER call the school"), []byte("NOTE-MARKER call nobody"), 1)
	if _, err := reports.VerifyExport(keys, tampered); !errors.Is(err, reports.ErrExportSignature) {
		t.Errorf("a changed note: got %v, want ErrExportSignature", err)
	}
	otherKeys, _ := reports.ParseExportKeys("", "test1:"+strings.Repeat("A", 43))
	if _, err := reports.VerifyExport(otherKeys, res.Body); !errors.Is(err, reports.ErrExportSignature) {
		t.Errorf("another installation's keys: got %v, want ErrExportSignature", err)
	}
	if acts := strings.Join(caseAuditActions(t, app, id), "\n"); !strings.Contains(acts, officer.ID+" case.exported") {
		t.Errorf("the export is not in the audit log:\n%s", acts)
	}
}

func closeCase(t *testing.T, app *apptest.App, token, id string) {
	t.Helper()
	res := app.Post(t, "/v1/cases/"+id+"/status", token, map[string]string{"status": "closed", "disposition": "advice_given"})
	if res.Status != http.StatusOK {
		t.Fatalf("close: got %d; %s", res.Status, res.Body)
	}
}

// A supervisor puts a closed case on legal hold: the retention sweep on
// the injected clock deletes the other closed case and keeps the held one
// until the hold is lifted. Only the force's supervisors may hold a case.
func TestLegalHoldKeepsACaseFromTheRetentionSweep(t *testing.T) {
	t.Parallel()
	app := apptest.New(t, apptest.WithClock(apptest.NewClock(concernClockStart)), apptest.WithoutWorkers())
	w := app.NewWorld(t)
	officer, supervisor := w.Who(t, "forceA/officer"), w.Who(t, "forceA/supervisor")
	var held, plain reportAnswer
	postReport(t, app, freshKey(), routineReport(w.ForceA.Code, "held case"), nil).Decode(t, &held)
	postReport(t, app, freshKey(), routineReport(w.ForceA.Code, "plain case"), nil).Decode(t, &plain)
	heldID, plainID := caseOf(t, app, held.Reference), caseOf(t, app, plain.Reference)
	closeCase(t, app, officer.Token, heldID)
	closeCase(t, app, officer.Token, plainID)

	hold := func(who string, body any) *apptest.Response {
		return app.Do(t, apptest.Request{Method: http.MethodPut, Path: "/v1/cases/" + heldID + "/legal-hold",
			Token: w.Who(t, who).Token, Body: body})
	}
	reason := map[string]string{"reason": "Evidence for prosecution file 26/1187"}
	for who, want := range map[string]int{"forceA/officer": http.StatusForbidden, "forceB/supervisor": http.StatusNotFound,
		"schoolA/safeguarding_lead": http.StatusNotFound} {
		if res := hold(who, reason); res.Status != want {
			t.Errorf("%s holds the case: got %d, want %d", who, res.Status, want)
		}
	}
	if res := hold("forceA/supervisor", map[string]string{"reason": "  "}); res.Status != http.StatusBadRequest {
		t.Errorf("a hold without a reason: got %d, want 400", res.Status)
	}
	if res := hold("forceA/supervisor", reason); res.Status != http.StatusOK {
		t.Fatalf("hold: got %d; %s", res.Status, res.Body)
	}

	sweep := func() {
		t.Helper()
		app.Clock.Advance(91 * 24 * time.Hour)
		if _, err := app.Tools().Reports.Sweep(context.Background(), app.Clock.Now(), 15*time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	sweep()
	supervisor.Token = app.TokenFor(t, supervisor.ID) // months passed
	if res := app.Get(t, "/v1/cases/"+heldID, supervisor.Token); res.Status != http.StatusOK {
		t.Errorf("the held case after the sweep: got %d, want 200", res.Status)
	}
	if res := app.Get(t, "/v1/cases/"+plainID, supervisor.Token); res.Status != http.StatusNotFound {
		t.Errorf("the closed case not on hold after the sweep: got %d, want 404", res.Status)
	}
	if res := app.Do(t, apptest.Request{Method: http.MethodDelete, Path: "/v1/cases/" + heldID + "/legal-hold", Token: supervisor.Token}); res.Status != http.StatusNoContent {
		t.Fatalf("release: got %d; %s", res.Status, res.Body)
	}
	acts := strings.Join(caseAuditActions(t, app, heldID), "\n")
	for _, want := range []string{supervisor.ID + " case.legal_hold_set", supervisor.ID + " case.legal_hold_released"} {
		if !strings.Contains(acts, want) {
			t.Errorf("the audit log lacks %q:\n%s", want, acts)
		}
	}
	sweep()
	supervisor.Token = app.TokenFor(t, supervisor.ID)
	if res := app.Get(t, "/v1/cases/"+heldID, supervisor.Token); res.Status != http.StatusNotFound {
		t.Errorf("the case after its hold was lifted and the sweep ran: got %d, want 404", res.Status)
	}
}
