package console_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"speaksafe/accounts"
	"speaksafe/apptest"
)

// A case shows its history out of the audit chain and the other cases of
// the force naming the same handle; its supervisor reads its audit log.
// Another force sees neither (404); an officer cannot read the audit log.
func TestCaseHistoryRelatedCasesAndAuditLog(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	force, other := app.CreateForce(t, ""), app.CreateForce(t, "")
	officer := person(t, app, accounts.RoleOfficer, force.ID)
	sup := person(t, app, accounts.RoleSupervisor, force.ID)
	stranger := person(t, app, accounts.RoleSupervisor, other.ID)
	first := handleReport(t, app, force.Code, "cool_uncle_99")
	second := handleReport(t, app, force.Code, "@Cool_Uncle_99")
	handleReport(t, app, other.Code, "cool_uncle_99")

	b := signIn(t, app, officer, "")
	id := caseIDOf(t, b, second)
	firstID := caseIDOf(t, b, first)
	p := b.get("/console/cases/" + id)
	mustContain(t, "case", p, `href="/console/cases/`+id+`/history"`,
		`href="/console/cases/`+firstID+`">`+first+`<`, "1 in other forces: "+other.Name)
	noStore(t, "case", p)
	h := b.get("/console/cases/" + id + "/history")
	mustContain(t, "history", h, `id="timeline"`, "case.created", "by the reporter", "case.opened", "by "+officer.Name)
	noStore(t, "history", h)
	if strings.Contains(h.Body, "he sends me credits") {
		t.Error("the history shows the child's words")
	}
	if strings.Contains(p.Body, "/audit\"") {
		t.Error("an officer is offered the audit log")
	}
	if a := b.get("/console/cases/" + id + "/audit"); a.Status != http.StatusForbidden {
		t.Errorf("an officer on the audit log: %d, want 403", a.Status)
	}

	s := signIn(t, app, sup, "")
	mustContain(t, "case as supervisor", s.get("/console/cases/"+id), `href="/console/cases/`+id+`/audit"`)
	a := s.get("/console/cases/" + id + "/audit")
	mustContain(t, "audit log", a, `id="audit-log"`, "case.created", "case.opened", sup.Name, officer.Name)
	noStore(t, "audit log", a)

	x := signIn(t, app, stranger, "")
	for _, path := range []string{"/console/cases/" + id, "/console/cases/" + id + "/history", "/console/cases/" + id + "/audit"} {
		if p := x.get(path); p.Status != http.StatusNotFound || strings.Contains(p.Body, second) {
			t.Errorf("another force's supervisor on %s: %d, want 404", path, p.Status)
		}
	}
}

// The queue shows the caller's reminders (as GET /v1/reminders) and marks
// their cases; opening the case clears the reminder.
func TestQueueShowsReminders(t *testing.T) {
	t.Parallel()
	clock := apptest.NewClock(time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC))
	app := apptest.New(t, apptest.WithClock(clock))
	force := app.CreateForce(t, "")
	officer := person(t, app, accounts.RoleOfficer, force.ID)
	ref := strings.Fields(report(t, app, force.Code, false, "he sends me gifts"))[0]
	b := signIn(t, app, officer, "")
	q := b.get("/console/cases")
	mustContain(t, "queue", q, "Waiting for you", "Nothing is waiting.")
	noStore(t, "queue", q)

	clock.Advance(5 * time.Hour)
	b = signIn(t, app, officer, "")
	q = b.get("/console/cases")
	mustContain(t, "queue after 5 hours", q, "nobody has opened it", `<span class="badge">not opened</span>`)
	id := find(t, `<section aria-labelledby="waiting-title"[\s\S]*?href="/console/cases/([^"]+)">`+ref, q.Body)
	if c := b.get("/console/cases?status=closed"); strings.Contains(c.Body, "Waiting for you") {
		t.Error("the closed cases repeat the reminders")
	}
	b.get("/console/cases/" + id)
	mustContain(t, "queue after opening", b.get("/console/cases"), "Nothing is waiting.")

	staff := person(t, app, accounts.RoleSchoolStaff, app.CreateSchool(t, force.ID, "Vale School").ID)
	if p := signIn(t, app, staff, "").get("/console/cases"); p.Status != http.StatusForbidden {
		t.Errorf("school staff on the queue: %d, want 403", p.Status)
	}
}

// An urgent case nobody could be paged for is counted as overdue above
// the queue and its alert state stands out.
func TestQueueCountsOverdueAlerts(t *testing.T) {
	t.Parallel()
	// The control room answers nothing useful (an untrusted certificate):
	// the webhook tier fails at once, as it does when the room is down.
	room := httptest.NewTLSServer(http.NotFoundHandler())
	t.Cleanup(room.Close)
	host := strings.TrimPrefix(room.URL, "https://")
	app := apptest.New(t, apptest.WithConfig(func(c *serverConfig) { c.WebhookAllowedHosts = []string{host} }))
	force := app.CreateForce(t, "")
	sup := person(t, app, accounts.RoleSupervisor, force.ID)
	officer := person(t, app, accounts.RoleOfficer, force.ID)
	b := signIn(t, app, sup, "")
	b.post("/console/oncall", "/console/oncall/rotations", url.Values{"name": {"Response"}, "members": {officer.ID},
		"shiftHours": {"24"}, "handover": {"07:00"}, "timeZone": {"Europe/London"}, "startDate": {"2026-01-01"}})
	page := b.get("/console/oncall")
	rot := find(t, `href="/console/oncall/rotations/([^"]+)"`, page.Body)
	if p := b.post("/console/oncall", "/console/oncall/policies", url.Values{"name": {"Main"}, "rotationId": {rot},
		"escalateTo": {sup.ID}, "webhook": {room.URL + "/hook"}, "delaySeconds": {"300"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("policy: %d %.400s", p.Status, p.Body)
	}
	pol := find(t, `action="/console/oncall/policies/([^"]+)/default"`, b.get("/console/oncall").Body)
	b.post("/console/oncall", "/console/oncall/policies/"+pol+"/default", nil)
	if q := b.get("/console/cases"); strings.Contains(q.Body, `id="overdue-count"`) {
		t.Fatal("overdue before any report")
	}
	ref := strings.Fields(report(t, app, force.Code, true, "he is outside"))[0]
	app.AlertEngine().Wait() // nobody has a phone: every tier is a gap
	q := b.get("/console/cases")
	mustContain(t, "queue", q, `id="overdue-count">1 urgent case is overdue`, ref)
	if !regexp.MustCompile(`(?s)` + ref + `.*?<span class="overdue">(overdue|unacknowledged)</span>`).MatchString(q.Body) {
		t.Error("the case's alert state does not stand out")
	}
}
