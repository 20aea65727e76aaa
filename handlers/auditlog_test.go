package handlers_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"speaksafe/apptest"
)

type auditItem struct {
	Seq        int64
	Actor      string
	Action     string
	ObjectType string
	ObjectID   string
}

type auditPageBody struct {
	Items []auditItem
	Next  string
}

// readAudit follows every page of /v1/audit with query q as token.
func readAudit(t *testing.T, app *apptest.App, token, q string) []auditItem {
	t.Helper()
	var all []auditItem
	cursor := ""
	for range 1000 {
		path := "/v1/audit?limit=2" + q
		if cursor != "" {
			path += "&cursor=" + cursor
		}
		res := app.Get(t, path, token)
		if res.Status != http.StatusOK {
			t.Fatalf("GET %s: got %d %s", path, res.Status, res.Body)
		}
		var p auditPageBody
		res.Decode(t, &p)
		all = append(all, p.Items...)
		if p.Next == "" {
			return all
		}
		cursor = p.Next
	}
	t.Fatal("audit pages never end")
	return nil
}

// TestSupervisorsReadOnlyTheirForcesAuditEntries: officers of two forces
// each read their force's case. Force A's supervisor, paging through the
// log, sees its officer's read and never force B's case or officer; asking
// for them by id is 404. The admin sees both. The JSON Lines export holds
// the same entries as the pages.
func TestSupervisorsReadOnlyTheirForcesAuditEntries(t *testing.T) {
	t.Parallel()
	app := apptest.New(t, apptest.WithoutWorkers())
	w := app.NewWorld(t)
	cases := map[string]string{}
	for _, f := range []struct{ name, code string }{{"A", w.ForceA.Code}, {"B", w.ForceB.Code}} {
		var ans reportAnswer
		postReport(t, app, freshKey(), routineReport(f.code, "audit report"), nil).Decode(t, &ans)
		cases[f.name] = caseOf(t, app, ans.Reference)
		officer := w.Who(t, "force"+f.name+"/officer")
		if res := app.Get(t, "/v1/cases/"+cases[f.name], officer.Token); res.Status != http.StatusOK {
			t.Fatalf("officer %s reads its case: got %d", f.name, res.Status)
		}
	}
	officerA, officerB := w.Who(t, "forceA/officer"), w.Who(t, "forceB/officer")
	sup := w.Who(t, "forceA/supervisor").Token
	mine := readAudit(t, app, sup, "")
	sawRead := false
	for _, e := range mine {
		if e.ObjectID == cases["B"] || e.Actor == officerB.ID || e.ObjectID == officerB.ID {
			t.Errorf("force A's supervisor sees force B's entry %+v", e)
		}
		sawRead = sawRead || (e.Action == "case.opened" && e.Actor == officerA.ID && e.ObjectID == cases["A"])
	}
	if !sawRead {
		t.Errorf("force A's supervisor does not see its officer's read: %+v", mine)
	}
	for _, q := range []string{"?caseId=" + cases["B"], "?userId=" + officerB.ID, "?caseId=nope"} {
		if res := app.Get(t, "/v1/audit"+q, sup); res.Status != http.StatusNotFound {
			t.Errorf("supervisor A, %s: got %d, want 404", q, res.Status)
		}
	}
	onCase := readAudit(t, app, sup, "&caseId="+cases["A"]+"&action=case.opened")
	if len(onCase) != 1 || onCase[0].Actor != officerA.ID {
		t.Errorf("case A's reads: got %+v, want officer A's one", onCase)
	}
	all := readAudit(t, app, w.Admin.Token, "&caseId="+cases["B"])
	if len(all) == 0 {
		t.Errorf("the admin sees nothing of case B")
	}
	res := app.Do(t, apptest.Request{Method: http.MethodGet, Path: "/v1/audit", Token: sup,
		Header: map[string]string{"Accept": "application/x-ndjson"}})
	if res.Status != http.StatusOK || res.Header.Get("Content-Type") != "application/x-ndjson" {
		t.Fatalf("export: got %d %q", res.Status, res.Header.Get("Content-Type"))
	}
	var lines []auditItem
	sc := bufio.NewScanner(bytes.NewReader(res.Body))
	for sc.Scan() {
		var e auditItem
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("export line %q: %v", sc.Text(), err)
		}
		lines = append(lines, e)
	}
	if len(lines) != len(mine) || len(lines) == 0 || lines[len(lines)-1] != mine[len(mine)-1] {
		t.Errorf("export: %d lines, pages: %d entries", len(lines), len(mine))
	}
	if !strings.Contains(auditActions(t, app), "audit.exported ") {
		t.Errorf("the export is not audited")
	}
}

func TestAuditReadingIsForLeadsAndValidated(t *testing.T) {
	t.Parallel()
	app := apptest.New(t, apptest.WithoutWorkers())
	w := app.NewWorld(t)
	for who, want := range map[string]int{"admin": 200, "forceA/supervisor": 200, "forceA/officer": 403,
		"schoolA/safeguarding_lead": 403, "oversightA/commissioner": 404} {
		for _, path := range []string{"/v1/audit", "/v1/audit/verify"} {
			if res := app.Get(t, path, w.Who(t, who).Token); res.Status != want {
				t.Errorf("%s %s: got %d, want %d", who, path, res.Status, want)
			}
		}
	}
	var st struct {
		OK      bool
		Entries int64
	}
	app.Get(t, "/v1/audit/verify", w.Who(t, "forceA/supervisor").Token).Decode(t, &st)
	if !st.OK || st.Entries == 0 {
		t.Errorf("verify: got %+v, want an intact chain with entries", st)
	}
	sup := w.Who(t, "forceA/supervisor").Token
	for _, q := range []string{"?from=monday", "?cursor=abc", "?format=xml", "?from=2026-11-02T00:00:00Z&to=2026-11-01T00:00:00Z", "?limit=500", "?q=x"} {
		if res := app.Get(t, "/v1/audit"+q, sup); res.Status != http.StatusBadRequest {
			t.Errorf("%s: got %d, want 400", q, res.Status)
		}
	}
}
