package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"speaksafe/apptest"
)

type handleMatches struct {
	Items []struct {
		ID        string `json:"id"`
		Reference string `json:"reference"`
		Status    string `json:"status"`
	} `json:"items"`
	OtherForces struct {
		Cases  int      `json:"cases"`
		Forces []string `json:"forces"`
	} `json:"otherForces"`
	Patterns []string `json:"patterns"`
}

type patternSignals struct {
	Items []struct {
		Kind    string `json:"kind"`
		Reports int    `json:"reports"`
		Forces  int    `json:"forces"`
		Cases   []struct {
			Reference string `json:"reference"`
		} `json:"cases"`
	} `json:"items"`
}

// reportNaming stores a routine report of force code naming one handle
// and returns its reference.
func reportNaming(t *testing.T, app *apptest.App, code, platform, handle string) string {
	t.Helper()
	body := routineReport(code, "he keeps messaging me")
	body["answers"] = map[string]any{"handles": []map[string]string{{"platform": platform, "handle": handle}}}
	res := postReport(t, app, freshKey(), body, nil)
	if res.Status != http.StatusCreated {
		t.Fatalf("report naming %s: got %d; %s", handle, res.Status, res.Body)
	}
	var ans reportAnswer
	res.Decode(t, &ans)
	return ans.Reference
}

func signalsOf(t *testing.T, app *apptest.App, token string) patternSignals {
	t.Helper()
	res := app.Get(t, "/v1/pattern-signals", token)
	if res.Status != http.StatusOK {
		t.Fatalf("pattern signals: got %d; %s", res.Status, res.Body)
	}
	var out patternSignals
	res.Decode(t, &out)
	return out
}

// Three reports naming cool_uncle_99, Cool_Uncle_99 and @COOL_UNCLE_99 on
// three spellings of Instagram link: each case shows the other two, the
// third raises one repeat signal to the force's supervisors (no page), a
// search by handle finds all three, and a fourth report in another force
// shows there only as a count and that force's name, both ways.
func TestReportsNamingTheSameHandleFindEachOther(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	w := app.NewWorld(t)
	offA, supA := w.Who(t, "forceA/officer"), w.Who(t, "forceA/supervisor")
	offB, supB := w.Who(t, "forceB/officer"), w.Who(t, "forceB/supervisor")
	refs := []string{
		reportNaming(t, app, w.ForceA.Code, "Instagram", "cool_uncle_99"),
		reportNaming(t, app, w.ForceA.Code, "insta", "Cool_Uncle_99"),
	}
	unrelated := reportNaming(t, app, w.ForceA.Code, "instagram", "cool_uncle_9")
	if got := signalsOf(t, app, supA.Token); len(got.Items) != 0 {
		t.Fatalf("signal after two reports: %+v", got)
	}
	refs = append(refs, reportNaming(t, app, w.ForceA.Code, "IG", "@COOL_UNCLE_99"))
	sig := signalsOf(t, app, supA.Token)
	if len(sig.Items) != 1 || sig.Items[0].Kind != "repeat" || sig.Items[0].Reports != 3 || len(sig.Items[0].Cases) != 3 {
		t.Fatalf("after the third report: got %+v, want one repeat signal of 3 cases", sig)
	}
	if res := app.Get(t, "/v1/pattern-signals", offA.Token); res.Status != http.StatusForbidden {
		t.Errorf("an officer listing signals: got %d, want 403", res.Status)
	}

	var detail struct{ RelatedCases handleMatches }
	app.Get(t, "/v1/cases/"+caseOf(t, app, refs[0]), offA.Token).Decode(t, &detail)
	rel := detail.RelatedCases
	if got := matchRefs(rel); got != refs[2]+","+refs[1] {
		t.Errorf("related cases of the first: got %s, want %s,%s (newest first)", got, refs[2], refs[1])
	}
	if len(rel.Patterns) != 1 || rel.Patterns[0] != "repeat" {
		t.Errorf("first case's patterns: got %v, want [repeat]", rel.Patterns)
	}

	refB := reportNaming(t, app, w.ForceB.Code, "instagram.com", "ｃｏｏｌ_uncle_99")
	var found handleMatches
	res := app.Get(t, "/v1/cases?handle="+url.QueryEscape("@Cool_Uncle_99")+"&platform=insta", offA.Token)
	res.Decode(t, &found)
	if len(found.Items) != 3 || strings.Contains(matchRefs(found), unrelated) {
		t.Errorf("search in force A: got %s, want the three cases", matchRefs(found))
	}
	if found.OtherForces.Cases != 1 || len(found.OtherForces.Forces) != 1 || found.OtherForces.Forces[0] != w.ForceB.Name {
		t.Errorf("other forces seen from A: got %+v, want 1 case in %s", found.OtherForces, w.ForceB.Name)
	}
	if strings.Contains(string(res.Body), refB) || strings.Contains(string(res.Body), caseOf(t, app, refB)) {
		t.Error("force A's search shows force B's case")
	}
	res = app.Get(t, "/v1/cases?handle=cool_uncle_99&platform=Instagram", offB.Token)
	res.Decode(t, &found)
	if len(found.Items) != 1 || found.Items[0].Reference != refB || found.OtherForces.Cases != 3 || found.OtherForces.Forces[0] != w.ForceA.Name {
		t.Errorf("search in force B: got %+v, want its own case and 3 in %s", found, w.ForceA.Name)
	}
	for _, ref := range refs {
		if strings.Contains(string(res.Body), ref) {
			t.Errorf("force B's search shows force A's case %s", ref)
		}
	}
	sigB := signalsOf(t, app, supB.Token)
	if len(sigB.Items) != 1 || sigB.Items[0].Kind != "cross_force" || len(sigB.Items[0].Cases) != 1 || sigB.Items[0].Cases[0].Reference != refB {
		t.Errorf("force B's signals: got %+v, want one cross_force naming its case", sigB)
	}
	if got := signalsOf(t, app, supA.Token); len(got.Items) != 2 {
		t.Errorf("force A's signals: got %+v, want repeat and cross_force", got)
	}
	for _, bad := range []string{"/v1/cases?platform=insta", "/v1/cases?handle=x&status=new", "/v1/cases?handle=%40"} {
		if res := app.Get(t, bad, offA.Token); res.Status != http.StatusBadRequest {
			t.Errorf("%s: got %d, want 400", bad, res.Status)
		}
	}
	if res := app.Get(t, "/v1/cases?handle=cool_uncle_99&platform=insta", w.Who(t, "schoolA/school_staff").Token); res.Status != http.StatusNotFound {
		t.Errorf("school staff searching handles: got %d, want 404", res.Status)
	}
}

func matchRefs(m handleMatches) string {
	var out []string
	for _, it := range m.Items {
		out = append(out, it.Reference)
	}
	return strings.Join(out, ",")
}
