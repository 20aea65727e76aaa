package handlers_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"speaksafe/apptest"
	"speaksafe/audit"
	"speaksafe/database"
)

type auditStatus struct {
	OK         bool  `json:"ok"`
	Entries    int64 `json:"entries"`
	Checkpoint *struct {
		Seq int64 `json:"seq"`
	} `json:"checkpoint"`
	Problems []audit.Problem `json:"problems"`
}

func metric(t *testing.T, app *apptest.App, line string) bool {
	t.Helper()
	res := app.Get(t, "/metrics", "")
	if res.Status != http.StatusOK {
		t.Fatalf("metrics: got %d", res.Status)
	}
	return strings.Contains(string(res.Body), "\n"+line+"\n")
}

// SECURITY 21: deleting the last audit entries is detected through the
// signed checkpoint and is loud (gauge 0, ERROR, the admins' status), yet
// the audited read that follows still answers 200 and opens a new segment
// whose first entry records the break.
func TestSecurity21TruncatedAuditChainIsLoudButCasesStayReadable(t *testing.T) {
	t.Parallel()
	app := apptest.New(t, apptest.WithoutWorkers())
	ctx := context.Background()
	w := app.NewWorld(t)
	officer := w.Who(t, "forceA/officer")
	var ans reportAnswer
	postReport(t, app, freshKey(), routineReport(w.ForceA.Code, "he asked me for photos"), nil).Decode(t, &ans)
	id := caseOf(t, app, ans.Reference)
	if res := app.Get(t, "/v1/cases/"+id, officer.Token); res.Status != http.StatusOK {
		t.Fatalf("open: got %d", res.Status)
	}
	mon := app.AuditMonitor()
	before := mon.Check(ctx)
	if !before.OK || before.Checkpoint.Seq != before.Entries || !metric(t, app, "speaksafe_audit_chain_ok 1") {
		t.Fatalf("before the cut: %+v", before)
	}

	cut := before.Entries - 2
	if _, err := app.DB.Collection("audit_log").DeleteMany(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$gt", Value: database.SeqKey(cut)}}}}); err != nil {
		t.Fatal(err)
	}
	if res := app.Get(t, "/v1/cases/"+id, officer.Token); res.Status != http.StatusOK {
		t.Fatalf("open after the cut: got %d, want 200; %s", res.Status, res.Body)
	}
	recs, err := audit.New(app.DB, nil, nil).Entries(ctx, cut, 10)
	if err != nil || len(recs) != 2 || recs[0].Action != audit.ActionBreak || recs[1].Action != "case.opened" {
		t.Fatalf("after the cut: got %+v (%v), want a break then case.opened", recs, err)
	}
	if recs[0].Detail["foundSeq"] == recs[0].Detail["expectedSeq"] {
		t.Errorf("break detail %v does not say what was lost", recs[0].Detail)
	}

	after := mon.Check(ctx)
	if after.OK || len(after.Problems) == 0 || after.Problems[0].Kind != audit.KindBreak {
		t.Errorf("monitor after the cut: %+v", after)
	}
	if !metric(t, app, "speaksafe_audit_chain_ok 0") {
		t.Error("speaksafe_audit_chain_ok is not 0 after the cut")
	}
	if !strings.Contains(app.Logs.String(), `"level":"ERROR","msg":"audit chain broken"`) {
		t.Error("no ERROR line says the audit chain is broken")
	}
	var st auditStatus
	res := app.Get(t, "/v1/audit/status", w.Admin.Token)
	res.Decode(t, &st)
	if res.Status != http.StatusOK || st.OK || len(st.Problems) == 0 || st.Problems[0].Kind != audit.KindBreak {
		t.Errorf("admin status: got %d %+v", res.Status, st)
	}
	for _, who := range []string{"forceA/supervisor", "forceA/officer", "schoolA/safeguarding_lead"} {
		if res := app.Get(t, "/v1/audit/status", w.Who(t, who).Token); res.Status != http.StatusForbidden {
			t.Errorf("%s reads the audit status: got %d, want 403", who, res.Status)
		}
	}

	res = app.Post(t, "/v1/audit/acknowledge", w.Admin.Token, map[string]int64{"through": st.Entries + 100})
	if res.Status != http.StatusBadRequest {
		t.Errorf("acknowledging entries that do not exist: got %d, want 400", res.Status)
	}
	res = app.Post(t, "/v1/audit/acknowledge", w.Admin.Token, map[string]int64{"through": st.Entries})
	res.Decode(t, &st)
	if res.Status != http.StatusOK || !st.OK || !metric(t, app, "speaksafe_audit_chain_ok 1") {
		t.Errorf("after the admin acknowledged: got %d %+v", res.Status, st)
	}
}
