package handlers_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"speaksafe/apptest"
	"speaksafe/fcmfake"
	"speaksafe/server"
)

type reminderItem struct {
	ID         string    `json:"id"`
	Kind       string    `json:"kind"`
	CaseID     string    `json:"caseId"`
	Reference  string    `json:"reference"`
	AssignedTo string    `json:"assignedTo"`
	DueAt      time.Time `json:"dueAt"`
}

func remindersOf(t *testing.T, app *apptest.App, token string) []reminderItem {
	t.Helper()
	res := app.Get(t, "/v1/reminders", token)
	if res.Status != http.StatusOK {
		t.Fatalf("reminders: got %d; %s", res.Status, res.Body)
	}
	var out struct{ Items []reminderItem }
	res.Decode(t, &out)
	return out.Items
}

func kindsOf(items []reminderItem) string {
	var k []string
	for _, it := range items {
		k = append(k, it.Kind)
	}
	return strings.Join(k, ",")
}

func remindersApp(t *testing.T) (*apptest.App, *apptest.World, *apptest.Clock, *fcmfake.Server) {
	t.Helper()
	fake := fcmfake.New()
	t.Cleanup(fake.Close)
	clock := apptest.NewClock(time.Now().UTC().Truncate(time.Second))
	app := apptest.New(t, apptest.WithoutWorkers(), apptest.WithClock(clock), apptest.WithConfig(func(c *server.Config) {
		c.FCMEndpoint, c.FirebaseProjectID = fake.Endpoint(), "p"
	}))
	t.Cleanup(app.AlertEngine().Stop)
	return app, app.NewWorld(t), clock, fake
}

func sweepReminders(t *testing.T, app *apptest.App) {
	t.Helper()
	if _, err := app.Reminders().Sweep(t.Context()); err != nil {
		t.Fatalf("reminder sweep: %v", err)
	}
}

// A new case nobody opens becomes a reminder once the clock passes 4
// hours, is pushed once (ids only) to the supervisors because nobody is
// assigned, and disappears when an officer opens it; a child's message
// unread for 24 hours and a case untouched for 7 days do the same, the
// latter pushed to the assigned officer.
func TestRemindersAppearAfterTheirThresholdAndDisappearWhenActedOn(t *testing.T) {
	t.Parallel()
	app, w, clock, fake := remindersApp(t)
	officer, sup := w.Who(t, "forceA/officer"), w.Who(t, "forceA/supervisor")
	// Access tokens last 15 minutes of the injected clock: issue one per request.
	tok := func(u apptest.StaffUser) string { return app.TokenFor(t, u.ID) }
	const supPhone, offPhone = "fcm-token-reminder-supervisor-1", "fcm-token-reminder-officer-1"
	for tok, who := range map[string]string{supPhone: tok(sup), offPhone: tok(officer)} {
		if res := app.Post(t, "/v1/me/devices", who, map[string]string{"token": tok, "platform": "android"}); res.Status != http.StatusOK {
			t.Fatalf("register device: got %d; %s", res.Status, res.Body)
		}
	}
	var ans reportAnswer
	postReport(t, app, freshKey(), routineReport(w.ForceA.Code, "a man online marker-r3m1"), nil).Decode(t, &ans)
	id := caseOf(t, app, ans.Reference)

	clock.Advance(4*time.Hour - time.Minute)
	sweepReminders(t, app)
	if got := remindersOf(t, app, tok(officer)); len(got) != 0 {
		t.Fatalf("before 4 hours: got %v", got)
	}
	clock.Advance(time.Minute)
	got := remindersOf(t, app, tok(officer))
	if len(got) != 1 || got[0].Kind != "not_opened" || got[0].CaseID != id || got[0].Reference != ans.Reference {
		t.Fatalf("after 4 hours: got %+v, want one not_opened of the case", got)
	}
	sweepReminders(t, app)
	sweepReminders(t, app)
	pushes := fake.DeliveredTo(supPhone)
	if len(pushes) != 1 || !strings.Contains(string(pushes[0].Body), got[0].ID) || strings.Contains(string(pushes[0].Body), "marker-r3m1") {
		t.Fatalf("supervisor's pushes: got %d, want one naming the reminder and no report text", len(pushes))
	}
	if n := len(fake.DeliveredTo(offPhone)); n != 0 {
		t.Errorf("officer pushed %d times for an unassigned case before escalation, want 0", n)
	}
	app.Get(t, "/v1/cases/"+id, tok(officer))
	if got := remindersOf(t, app, tok(sup)); len(got) != 0 {
		t.Fatalf("after the case was opened: got %v", got)
	}

	child := reporterToken(t, app, ans)
	if res := app.Post(t, "/v1/reporter/case/messages", child, map[string]string{"body": "he messaged again"}); res.Status != http.StatusCreated {
		t.Fatalf("child's message: got %d; %s", res.Status, res.Body)
	}
	clock.Advance(24 * time.Hour)
	if got := kindsOf(remindersOf(t, app, tok(sup))); got != "unread_message" {
		t.Fatalf("a day after the child's message: got %q, want unread_message", got)
	}
	app.Get(t, "/v1/cases/"+id, tok(officer))
	if got := remindersOf(t, app, tok(sup)); len(got) != 0 {
		t.Fatalf("after the message was read: got %v", got)
	}

	if res := app.Do(t, apptest.Request{Method: http.MethodPut, Path: "/v1/cases/" + id + "/assignment", Token: tok(sup),
		Body: map[string]string{"userId": officer.ID}}); res.Status != http.StatusNoContent {
		t.Fatalf("assign: got %d", res.Status)
	}
	clock.Advance(7 * 24 * time.Hour)
	if got := remindersOf(t, app, tok(officer)); kindsOf(got) != "no_activity" || got[0].AssignedTo != officer.ID {
		t.Fatalf("a week untouched: got %+v, want no_activity assigned to the officer", got)
	}
	sweepReminders(t, app)
	if n := len(fake.DeliveredTo(offPhone)); n != 1 {
		t.Errorf("assigned officer pushed %d times, want 1", n)
	}
	if n := len(fake.DeliveredTo(supPhone)); n != 1 {
		t.Errorf("supervisor pushed %d times before escalateAfter, want still 1", n)
	}
	clock.Advance(2 * time.Hour)
	sweepReminders(t, app)
	if n := len(fake.DeliveredTo(supPhone)); n != 2 {
		t.Errorf("supervisor pushed %d times after escalateAfter, want 2", n)
	}
	app.Post(t, "/v1/cases/"+id+"/notes", tok(officer), map[string]string{"body": "called the school"})
	if got := remindersOf(t, app, tok(officer)); len(got) != 0 {
		t.Fatalf("after a note: got %v", got)
	}
	if res := app.Get(t, "/v1/reminders", tok(w.Who(t, "forceA/safeguarding_lead"))); res.Status != http.StatusForbidden {
		t.Errorf("a safeguarding lead listing reminders: got %d, want 403", res.Status)
	}
	if got := remindersOf(t, app, tok(w.Who(t, "forceB/supervisor"))); len(got) != 0 {
		t.Errorf("another force's supervisor sees %v", got)
	}
}

// A force's supervisors set its thresholds (range-checked, audited);
// officers only read them, and the new threshold applies at once.
func TestReminderThresholdsArePerForce(t *testing.T) {
	t.Parallel()
	app, w, clock, _ := remindersApp(t)
	officer, sup := w.Who(t, "forceA/officer"), w.Who(t, "forceA/supervisor")
	// Access tokens last 15 minutes of the injected clock: issue one per request.
	tok := func(u apptest.StaffUser) string { return app.TokenFor(t, u.ID) }
	put := func(token string, body any) *apptest.Response {
		return app.Do(t, apptest.Request{Method: http.MethodPut, Path: "/v1/reminders/settings", Token: token, Body: body})
	}
	valid := map[string]int{"notOpenedMinutes": 60, "unreadMessageMinutes": 720, "noActivityMinutes": 4320, "escalateAfterMinutes": 30}
	if res := put(tok(officer), valid); res.Status != http.StatusForbidden {
		t.Errorf("officer setting thresholds: got %d, want 403", res.Status)
	}
	bad := map[string]int{"notOpenedMinutes": 5, "unreadMessageMinutes": 720, "noActivityMinutes": 4320, "escalateAfterMinutes": 1 << 40}
	res := put(tok(sup), bad)
	if res.Status != http.StatusBadRequest || !strings.Contains(string(res.Body), "notOpenedMinutes") || !strings.Contains(string(res.Body), "escalateAfterMinutes") {
		t.Errorf("out of range: got %d %s, want 400 naming both fields", res.Status, res.Body)
	}
	if res := put(tok(sup), valid); res.Status != http.StatusOK {
		t.Fatalf("set thresholds: got %d; %s", res.Status, res.Body)
	}
	var got map[string]int
	app.Get(t, "/v1/reminders/settings", tok(officer)).Decode(t, &got)
	if got["notOpenedMinutes"] != 60 || got["escalateAfterMinutes"] != 30 {
		t.Errorf("thresholds read back: got %v", got)
	}
	app.Get(t, "/v1/reminders/settings", tok(w.Who(t, "forceB/officer"))).Decode(t, &got)
	if got["notOpenedMinutes"] != 240 {
		t.Errorf("force B's thresholds changed with A's: %v", got)
	}
	var a, b reportAnswer
	postReport(t, app, freshKey(), routineReport(w.ForceA.Code, "someone online"), nil).Decode(t, &a)
	postReport(t, app, freshKey(), routineReport(w.ForceB.Code, "someone online"), nil).Decode(t, &b)
	clock.Advance(time.Hour)
	if got := remindersOf(t, app, tok(officer)); len(got) != 1 || got[0].Reference != a.Reference {
		t.Errorf("force A after an hour: got %+v, want its case", got)
	}
	if got := remindersOf(t, app, tok(w.Who(t, "forceB/officer"))); len(got) != 0 {
		t.Errorf("force B after an hour: got %+v, want none (4 hours)", got)
	}
	if !strings.Contains(auditActions(t, app), "reminders.settings_changed") {
		t.Error("changing the thresholds was not audited")
	}
}
