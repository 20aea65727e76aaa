package console_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"speaksafe/accounts"
	"speaksafe/apptest"
	"speaksafe/audit"
	"speaksafe/reports"
)

// settingsChanges answers the audit entries of threshold changes of force.
func settingsChanges(t *testing.T, app *apptest.App, force string) []audit.Record {
	t.Helper()
	recs, err := audit.New(app.DB, nil, nil).Entries(context.Background(), 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var out []audit.Record
	for _, r := range recs {
		if r.Action == "reminders.settings_changed" && r.ObjectID == force {
			out = append(out, r)
		}
	}
	return out
}

// A force's supervisor changes its reminder thresholds on the console
// (CSRF-checked, range-checked, audited like PUT /v1/reminders/settings);
// its officers read them without a form and cannot post; another force
// keeps its own.
func TestReminderThresholdsOnTheConsole(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	force, other := app.CreateForce(t, ""), app.CreateForce(t, "")
	officer := person(t, app, accounts.RoleOfficer, force.ID)
	sup := person(t, app, accounts.RoleSupervisor, force.ID)
	stranger := person(t, app, accounts.RoleSupervisor, other.ID)
	const path = "/console/reminders/settings"

	o := signIn(t, app, officer, "")
	mustContain(t, "the queue", o.get("/console/cases"), `href="/console/reminders/settings"`)
	p := o.get(path)
	mustContain(t, "thresholds for an officer", p, `id="thresholds"`, "<td>240</td>", "<td>1440</td>")
	noStore(t, "thresholds", p)
	if strings.Contains(p.Body, `action="/console/reminders/settings"`) {
		t.Error("an officer is offered the form")
	}
	form := func() url.Values {
		return url.Values{"notOpenedMinutes": {"60"}, "unreadMessageMinutes": {"120"}, "noActivityMinutes": {"2880"}, "escalateAfterMinutes": {"30"}}
	}
	if p := o.post("/console/cases", path, form()); p.Status != http.StatusForbidden {
		t.Errorf("an officer posting the thresholds: %d, want 403", p.Status)
	}

	s := signIn(t, app, sup, "")
	mustContain(t, "thresholds for a supervisor", s.get(path), `name="notOpenedMinutes"`, `value="240"`, "15 to 4320 minutes")
	forged(t, s, path, form())
	bad := url.Values{"notOpenedMinutes": {"5"}, "unreadMessageMinutes": {"120"}, "noActivityMinutes": {"lots"}, "escalateAfterMinutes": {"30"}}
	if p := s.post(path, path, bad); p.Status != http.StatusBadRequest || !strings.Contains(p.Body, "notOpenedMinutes") ||
		!strings.Contains(p.Body, "noActivityMinutes") {
		t.Errorf("thresholds out of range: %d %.600s, want 400 naming both fields", p.Status, p.Body)
	}
	if n := len(settingsChanges(t, app, force.ID)); n != 0 {
		t.Fatalf("%d changes audited before any was saved", n)
	}
	if p := s.post(path, path, form()); p.Status != http.StatusSeeOther || p.Header.Get("Location") != path+"?saved=1" {
		t.Fatalf("saving the thresholds: %d %s", p.Status, p.Header.Get("Location"))
	}
	mustContain(t, "after saving", s.get(path+"?saved=1"), `id="saved"`, `value="60"`, `value="2880"`)
	mustContain(t, "officer after the change", o.get(path), "<td>60</td>", "<td>30</td>")
	changes := settingsChanges(t, app, force.ID)
	if len(changes) != 1 || changes[0].Actor != sup.ID || changes[0].Detail["notOpenedMinutes"] != "60" {
		t.Errorf("audit of the change: %+v, want one entry by the supervisor with the new values", changes)
	}
	res := app.Get(t, "/v1/reminders/settings", app.TokenFor(t, officer.ID))
	var api struct{ NotOpenedMinutes, EscalateAfterMinutes int }
	res.Decode(t, &api)
	if api.NotOpenedMinutes != 60 || api.EscalateAfterMinutes != 30 {
		t.Errorf("the API after the console's change: %+v", api)
	}
	mustContain(t, "another force", signIn(t, app, stranger, "").get(path), `value="240"`)
}

// With more reminders than the queue page lists, it lists the longest
// waiting and counts the others.
func TestQueueCountsTheRemindersItDoesNotList(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	force := app.CreateForce(t, "")
	sup := person(t, app, accounts.RoleSupervisor, force.ID)
	old := app.Clock.Now().Add(-6 * time.Hour)
	cases := make([]reports.SeedCase, 53)
	for i := range cases {
		cases[i] = reports.SeedCase{At: old.Add(time.Duration(i) * time.Minute), Report: reports.Report{ForceCode: force.Code,
			Category: reports.CategoryGiftsOrMoney, WhatHappened: fmt.Sprintf("case %d", i)}}
	}
	if err := app.Tools().Reports.Seed(context.Background(), cases); err != nil {
		t.Fatal(err)
	}
	p := signIn(t, app, sup, "").get("/console/cases")
	mustContain(t, "the queue", p, `id="more-reminders"`, "3 more waiting")
	if n := strings.Count(p.Body, "nobody has opened it"); n != 50 {
		t.Errorf("the queue lists %d reminders, want 50", n)
	}
}
