package handlers_test

import (
	"net/http"
	"testing"
	"time"

	"speaksafe/apptest"
)

type referralStepView struct {
	Kind     string
	Number   int
	ByAgency bool
	Text     string
	Decision string
}

type referralView struct {
	ID, CaseID, AgencyID, Status, Urgency, Decision, AgencyReference, Outcome, Summary, Reason string
	DueAt                                                                                      time.Time
	Overdue, IdentityShared, Anonymous                                                         bool
	Fields                                                                                     []string
	Shared                                                                                     map[string]string
	Steps                                                                                      []referralStepView
}

type referralListView struct {
	Items []referralView
	Next  string
}

// referralBody is a valid referral of a case to agencies, sharing fields.
func referralBody(urgency string, agencyIDs []string, fields ...string) map[string]any {
	if fields == nil {
		fields = []string{}
	}
	return map[string]any{"agencyIds": agencyIDs, "summary": "A 13-year-old was offered gifts by an adult online.",
		"reason": "Possible grooming; the child may need support.", "lawfulBasis": "dpa2018_safeguarding_children",
		"lawfulBasisNote": "Necessary to protect the child.", "urgency": urgency, "fields": fields}
}

// refer refers case id as the officer token and returns the one referral.
func refer(t *testing.T, app *apptest.App, token, caseID string, body map[string]any) referralView {
	t.Helper()
	res := app.Post(t, "/v1/cases/"+caseID+"/referrals", token, body)
	if res.Status != http.StatusCreated {
		t.Fatalf("refer: got %d; %s", res.Status, res.Body)
	}
	var list referralListView
	res.Decode(t, &list)
	if len(list.Items) != 1 {
		t.Fatalf("refer: got %d referrals, want 1", len(list.Items))
	}
	return list.Items[0]
}

// routineCase posts a routine report with text to force code and answers
// the case id.
func routineCase(t *testing.T, app *apptest.App, forceCode, text string) string {
	t.Helper()
	var ans reportAnswer
	res := postReport(t, app, freshKey(), routineReport(forceCode, text), nil)
	if res.Status != http.StatusCreated {
		t.Fatalf("report: got %d; %s", res.Status, res.Body)
	}
	res.Decode(t, &ans)
	return caseOf(t, app, ans.Reference)
}
