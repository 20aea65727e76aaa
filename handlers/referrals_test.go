package handlers_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"speaksafe/apptest"
	"speaksafe/audit"
)

// A Monday in England, outside British Summer Time.
var referralMonday = time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)

// TestReferralDecidedWithinTheDeadline walks the whole flow: an officer
// refers a case to the area's MASH sharing chosen fields; the agency reads
// it, asks a question the force answers, acknowledges and decides inside
// the working-day deadline; the force sees every step on the case; each
// share, view and decision is audited on the case without the child's text.
func TestReferralDecidedWithinTheDeadline(t *testing.T) {
	t.Parallel()
	clock := apptest.NewClock(referralMonday)
	app := apptest.New(t, apptest.WithClock(clock), apptest.WithoutWorkers())
	w := app.NewWorld(t)
	officer, partner := w.Who(t, "forceA/officer").Token, w.Who(t, "agencyA/partner_practitioner").Token
	const marker = "he sends me presents marker-7c41"
	caseID := routineCase(t, app, w.ForceA.Code, marker)

	var agencies struct {
		Items []struct{ ID, Name, AgencyType string }
	}
	app.Get(t, "/v1/agencies", officer).Decode(t, &agencies)
	if len(agencies.Items) != 1 || agencies.Items[0].ID != w.AgencyA.ID || agencies.Items[0].AgencyType != "childrens_social_care" {
		t.Fatalf("force A's agencies: got %+v, want agency A only", agencies.Items)
	}
	r := refer(t, app, officer, caseID, referralBody("standard", []string{w.AgencyA.ID}, "category", "whatHappened", "handles"))
	wantDue := time.Date(2026, 12, 1, 23, 59, 59, 0, time.UTC)
	if !r.DueAt.Equal(wantDue) || r.Status != "sent" || !r.Anonymous || r.IdentityShared {
		t.Errorf("referral: due %v status %s anonymous %v identity %v; want due %v, sent, anonymous", r.DueAt, r.Status, r.Anonymous, r.IdentityShared, wantDue)
	}
	if !slices.Equal(r.Fields, []string{"category", "whatHappened"}) {
		t.Errorf("shared fields: got %v, want category and whatHappened (the report named no handles)", r.Fields)
	}

	// The agency's inbox lists it without its texts; opening it shows them.
	var inbox referralListView
	app.Get(t, "/v1/referrals", partner).Decode(t, &inbox)
	if len(inbox.Items) != 1 || inbox.Items[0].ID != r.ID || inbox.Items[0].Summary != "" || len(inbox.Items[0].Shared) != 0 {
		t.Fatalf("inbox: got %+v", inbox.Items)
	}
	var seen referralView
	res := app.Get(t, "/v1/referrals/"+r.ID, partner)
	res.Decode(t, &seen)
	if seen.Shared["whatHappened"] != marker || seen.Summary == "" || seen.CaseID != "" {
		t.Errorf("agency view: shared %v summary %q caseId %q", seen.Shared, seen.Summary, seen.CaseID)
	}

	// A question and its answer, then acknowledgement and decision.
	steps := []struct {
		token, path string
		body        any
		want        int
	}{
		{partner, "/questions", map[string]string{"text": "Which school does the child attend?"}, http.StatusCreated},
		{officer, "/answers", map[string]any{"question": 1, "text": "We do not know yet."}, http.StatusCreated},
		{officer, "/answers", map[string]any{"question": 1, "text": "Again."}, http.StatusConflict},
		{officer, "/answers", map[string]any{"question": 2, "text": "No such question."}, http.StatusBadRequest},
		{partner, "/acknowledge", nil, http.StatusOK},
		{partner, "/acknowledge", nil, http.StatusOK},
		{partner, "/decision", map[string]string{"decision": "maybe", "outcome": "x"}, http.StatusBadRequest},
		{partner, "/decision", map[string]string{"decision": "section_47", "agencyReference": "BCT-1", "outcome": "Section 47 enquiry started."}, http.StatusOK},
		{partner, "/decision", map[string]string{"decision": "early_help", "outcome": "Changed our mind."}, http.StatusConflict},
	}
	for i, s := range steps {
		clock.Advance(time.Minute)
		if res := app.Post(t, "/v1/referrals/"+r.ID+s.path, s.token, s.body); res.Status != s.want {
			t.Fatalf("step %d %s: got %d, want %d; %s", i, s.path, res.Status, s.want, res.Body)
		}
	}

	// The force sees each step on the case.
	var onCase referralListView
	app.Get(t, "/v1/cases/"+caseID+"/referrals", officer).Decode(t, &onCase)
	if len(onCase.Items) != 1 {
		t.Fatalf("case referrals: got %d, want 1", len(onCase.Items))
	}
	got := onCase.Items[0]
	var kinds []string
	for _, s := range got.Steps {
		kinds = append(kinds, s.Kind)
	}
	if got.Status != "decided" || got.Decision != "section_47" || got.AgencyReference != "BCT-1" || got.Overdue ||
		got.Outcome != "Section 47 enquiry started." || !slices.Equal(kinds, []string{"shared", "question", "answer", "acknowledged", "decided"}) {
		t.Errorf("force view: status %s decision %s ref %s outcome %q overdue %v steps %v", got.Status, got.Decision,
			got.AgencyReference, got.Outcome, got.Overdue, kinds)
	}
	var overdue referralListView
	app.Get(t, "/v1/referrals/overdue", w.Who(t, "forceA/supervisor").Token).Decode(t, &overdue)
	if len(overdue.Items) != 0 {
		t.Errorf("a decided referral is listed overdue: %+v", overdue.Items)
	}
	checkReferralAudit(t, app, caseID, r.ID, marker)
	if dump := dumpCollections(t, app); strings.Contains(dump, marker) || strings.Contains(dump, "Which school") ||
		strings.Contains(dump, "Section 47 enquiry started") {
		t.Error("a referral's text is stored in clear")
	}
}

// checkReferralAudit: every share, view, step and decision is on the case
// (ObjectType case, ObjectID the case, the referral in Detail) and no
// audit entry holds the child's text.
func checkReferralAudit(t *testing.T, app *apptest.App, caseID, referralID, marker string) {
	t.Helper()
	want := map[string]bool{"referral.shared": false, "referral.viewed": false, "referral.question_asked": false,
		"referral.question_answered": false, "referral.acknowledged": false, "referral.decided": false}
	if _, err := audit.New(app.DB, nil, nil).Verify(context.Background()); err != nil {
		t.Fatalf("audit chain: %v", err)
	}
	for _, rec := range auditRecords(t, app) {
		for _, v := range rec.Detail {
			if strings.Contains(v, "marker-7c41") || strings.Contains(v, marker) || strings.Contains(v, "Which school") {
				t.Errorf("audit entry %s holds text: %v", rec.Action, rec.Detail)
			}
		}
		if _, ok := want[rec.Action]; !ok {
			continue
		}
		if rec.ObjectType != "case" || rec.ObjectID != caseID || rec.Detail["referralId"] != referralID || rec.Actor == "" {
			t.Errorf("%s: object %s/%s detail %v actor %q", rec.Action, rec.ObjectType, rec.ObjectID, rec.Detail, rec.Actor)
		}
		if rec.Action == "referral.shared" && (rec.Detail["fields"] != "category,whatHappened" || rec.Detail["lawfulBasis"] == "") {
			t.Errorf("share audit lacks fields or basis: %v", rec.Detail)
		}
		want[rec.Action] = true
	}
	for action, ok := range want {
		if !ok {
			t.Errorf("no %s in the audit log", action)
		}
	}
}

// Bad referrals are refused with a field error and make nothing.
func TestBadReferralsAreRefused(t *testing.T) {
	t.Parallel()
	app := apptest.New(t, apptest.WithoutWorkers())
	w := app.NewWorld(t)
	officer := w.Who(t, "forceA/officer").Token
	caseID := routineCase(t, app, w.ForceA.Code, "something happened")
	identity := referralBody("standard", []string{w.AgencyA.ID})
	identity["identityShared"] = true
	contact := referralBody("standard", []string{w.AgencyA.ID}, "contact")
	for name, body := range map[string]map[string]any{
		"another force's agency":             referralBody("standard", []string{w.AgencyB.ID}),
		"a school as agency":                 referralBody("standard", []string{w.SchoolA.ID}),
		"identity of an anonymous report":    identity,
		"contact without identityShared":     contact,
		"unknown urgency":                    referralBody("whenever", []string{w.AgencyA.ID}),
		"unknown field":                      referralBody("standard", []string{w.AgencyA.ID}, "diary"),
		"no agency":                          referralBody("standard", []string{}),
		"a mongo operator for the agency":    {"agencyIds": map[string]string{"$ne": ""}},
		"unknown key differing only in case": {"AgencyIds": []string{w.AgencyA.ID}},
	} {
		if res := app.Post(t, "/v1/cases/"+caseID+"/referrals", officer, body); res.Status != http.StatusBadRequest {
			t.Errorf("%s: got %d, want 400; %s", name, res.Status, res.Body)
		}
	}
	if n := countDocs(t, app, "referrals"); n != 0 {
		t.Errorf("got %d referrals stored, want none", n)
	}
}

// Closing a case as a safeguarding referral or as referred to another
// agency needs a referral: without one it is 400 and the case stays open.
func TestClosingAsReferredNeedsAReferral(t *testing.T) {
	t.Parallel()
	app := apptest.New(t, apptest.WithoutWorkers())
	w := app.NewWorld(t)
	officer := w.Who(t, "forceA/officer").Token
	caseID := routineCase(t, app, w.ForceA.Code, "something happened")
	for _, d := range []string{"safeguarding_referral", "referred_to_other_agency"} {
		res := app.Post(t, "/v1/cases/"+caseID+"/status", officer, map[string]string{"status": "closed", "disposition": d})
		if res.Status != http.StatusBadRequest || !strings.Contains(string(res.Body), "referral") {
			t.Errorf("closing as %s without a referral: got %d; %s", d, res.Status, res.Body)
		}
	}
	var c struct{ Status string }
	app.Get(t, "/v1/cases/"+caseID, officer).Decode(t, &c)
	if c.Status != "new" {
		t.Fatalf("case status after refused closures: got %s, want new", c.Status)
	}
	refer(t, app, officer, caseID, referralBody("standard", []string{w.AgencyA.ID}))
	res := app.Post(t, "/v1/cases/"+caseID+"/status", officer, map[string]string{"status": "closed", "disposition": "referred_to_other_agency"})
	if res.Status != http.StatusOK {
		t.Errorf("closing after a referral: got %d; %s", res.Status, res.Body)
	}
}
