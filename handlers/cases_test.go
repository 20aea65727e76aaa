package handlers_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"speaksafe/apptest"
	"speaksafe/audit"
)

// caseOf returns the opaque case id of the report with reference ref.
func caseOf(t *testing.T, app *apptest.App, ref string) string {
	t.Helper()
	var c struct {
		ID string `bson:"_id"`
	}
	if err := app.DB.Collection("cases").FindOne(context.Background(), bson.D{{Key: "reference", Value: ref}}).Decode(&c); err != nil {
		t.Fatalf("case of %s: %v", ref, err)
	}
	return c.ID
}

func reporterToken(t *testing.T, app *apptest.App, ans reportAnswer) string {
	t.Helper()
	res := app.Post(t, "/v1/reports/session", "", map[string]string{"reference": ans.Reference, "receipt": ans.Receipt})
	if res.Status != http.StatusCreated {
		t.Fatalf("session: got %d; %s", res.Status, res.Body)
	}
	var s struct{ Token string }
	res.Decode(t, &s)
	return s.Token
}

// The whole journey: a child reports, an officer of the force finds it in
// the queue, opens it (audited), replies, keeps a note and closes it with an
// outcome; the child comes back and sees that it was read, the reply and
// the outcome, but not the note or the officer's identity.
func TestCaseJourney(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	w := app.NewWorld(t)
	officer := w.Who(t, "forceA/officer")
	body := routineReport(w.ForceA.Code, "a man online sends me money")
	body["contact"] = map[string]any{"name": "Sam", "email": "sam@example.org", "mayContact": true}
	var ans reportAnswer
	postReport(t, app, freshKey(), body, nil).Decode(t, &ans)
	id := caseOf(t, app, ans.Reference)

	q := app.Get(t, "/v1/cases", officer.Token)
	if q.Status != http.StatusOK || !strings.Contains(string(q.Body), ans.Reference) {
		t.Fatalf("queue: got %d %s, want the case", q.Status, q.Body)
	}
	if strings.Contains(string(q.Body), "sends me money") || strings.Contains(string(q.Body), "sam@example.org") {
		t.Error("the queue shows report text or contact details")
	}
	open := app.Get(t, "/v1/cases/"+id, officer.Token)
	if open.Status != http.StatusOK {
		t.Fatalf("open: got %d; %s", open.Status, open.Body)
	}
	if cc := open.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("case Cache-Control: got %q, want no-store", cc)
	}
	var detail struct {
		WhatHappened string `json:"whatHappened"`
		Contact      struct {
			Email string `json:"email"`
		} `json:"contact"`
	}
	open.Decode(t, &detail)
	if detail.WhatHappened != "a man online sends me money" || detail.Contact.Email != "sam@example.org" {
		t.Errorf("opened case: got %+v", detail)
	}
	recs, err := audit.New(app.DB, nil, nil).Entries(context.Background(), 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	audited := false
	for _, r := range recs {
		if r.Action == "case.opened" && r.ObjectID == id && r.Actor == officer.ID {
			audited = true
		}
	}
	if !audited {
		t.Error("opening the case left no case.opened entry by the officer in the audit log")
	}
	for _, step := range []struct {
		path string
		body any
		want int
	}{
		{"/v1/cases/" + id + "/messages", map[string]string{"body": "Thank you for telling us. Are you safe?"}, http.StatusCreated},
		{"/v1/cases/" + id + "/notes", map[string]string{"body": "PRIVATE-NOTE checked with school"}, http.StatusCreated},
		{"/v1/cases/" + id + "/status", map[string]string{"status": "closed"}, http.StatusBadRequest},
		{"/v1/cases/" + id + "/status", map[string]string{"status": "closed", "disposition": "advice_given",
			"outcome": "We have spoken to the people who can keep you safe."}, http.StatusOK},
	} {
		if res := app.Post(t, step.path, officer.Token, step.body); res.Status != step.want {
			t.Errorf("POST %s: got %d, want %d; %s", step.path, res.Status, step.want, res.Body)
		}
	}

	view := app.Get(t, "/v1/reporter/case", reporterToken(t, app, ans))
	if view.Status != http.StatusOK {
		t.Fatalf("reporter view: got %d; %s", view.Status, view.Body)
	}
	var v struct {
		Status   string `json:"status"`
		Read     bool   `json:"read"`
		Outcome  string `json:"outcome"`
		Messages []struct {
			From string `json:"from"`
			Body string `json:"body"`
		} `json:"messages"`
	}
	view.Decode(t, &v)
	if v.Status != "closed" || !v.Read || v.Outcome != "We have spoken to the people who can keep you safe." {
		t.Errorf("reporter sees status %q read %v outcome %q", v.Status, v.Read, v.Outcome)
	}
	if len(v.Messages) != 1 || v.Messages[0].From != "staff" {
		t.Errorf("reporter sees messages %+v, want the one reply", v.Messages)
	}
	if strings.Contains(string(view.Body), "PRIVATE-NOTE") || strings.Contains(string(view.Body), officer.ID) {
		t.Error("the reporter sees a private note or the officer's id")
	}
}

// Who may touch a case of force A: its officers and supervisors; everyone
// else — another force, school staff and leads, the force's own
// safeguarding lead and school staff, the admin — gets 404.
func TestCaseMatrix(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	w := app.NewWorld(t)
	var ans reportAnswer
	postReport(t, app, freshKey(), routineReport(w.ForceA.Code, "matrix"), nil).Decode(t, &ans)
	id := caseOf(t, app, ans.Reference)
	get := apptest.Request{Method: http.MethodGet, Path: "/v1/cases/" + id}
	note := apptest.Request{Method: http.MethodPost, Path: "/v1/cases/" + id + "/notes", Body: map[string]string{"body": "n"}}
	status := apptest.Request{Method: http.MethodPost, Path: "/v1/cases/" + id + "/status", Body: map[string]string{"status": "in_progress"}}
	assign := apptest.Request{Method: http.MethodPut, Path: "/v1/cases/" + id + "/assignment", Body: map[string]string{"userId": ""}}
	var rows []apptest.MatrixRow
	for _, who := range []string{"forceA/officer", "forceA/supervisor"} {
		rows = append(rows, apptest.MatrixRow{Who: who, Request: get, Want: http.StatusOK},
			apptest.MatrixRow{Who: who, Request: note, Want: http.StatusCreated},
			apptest.MatrixRow{Who: who, Request: status, Want: http.StatusOK},
			apptest.MatrixRow{Who: who, Request: assign, Want: http.StatusNoContent})
	}
	for _, who := range []string{"forceB/officer", "forceB/supervisor", "forceA/safeguarding_lead", "forceA/school_staff",
		"schoolA/safeguarding_lead", "schoolA/school_staff", "schoolB/safeguarding_lead", "schoolB/school_staff", "admin",
		"agencyA/partner_practitioner", "agencyA/partner_lead", "agencyB/partner_lead"} {
		for _, req := range []apptest.Request{get, note, status, assign} {
			rows = append(rows, apptest.MatrixRow{Who: who, Request: req, Want: http.StatusNotFound})
		}
	}
	app.RunMatrix(t, w, rows)

	// The queue of another force is empty of this case.
	other := app.Get(t, "/v1/cases", w.Who(t, "forceB/officer").Token)
	if other.Status != http.StatusOK || strings.Contains(string(other.Body), ans.Reference) {
		t.Errorf("force B queue: got %d %s", other.Status, other.Body)
	}
	school := app.Get(t, "/v1/cases", w.Who(t, "schoolA/safeguarding_lead").Token)
	if school.Status != http.StatusNotFound {
		t.Errorf("school lead's queue: got %d, want 404", school.Status)
	}
	if res := app.Get(t, "/v1/cases/"+id, ""); res.Status != http.StatusUnauthorized {
		t.Errorf("no token: got %d, want 401", res.Status)
	}
	reporter := reporterToken(t, app, ans)
	if res := app.Get(t, "/v1/cases/"+id, reporter); res.Status != http.StatusUnauthorized {
		t.Errorf("reporter token on a staff route: got %d, want 401", res.Status)
	}
}
