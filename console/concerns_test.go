package console_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"speaksafe/accounts"
	"speaksafe/apptest"
)

// concernForm fills the concern form b was shown, with its idempotency key.
func concernForm(t *testing.T, app *apptest.App, b *browser) url.Values {
	t.Helper()
	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	now := app.Clock.Now().In(london)
	return url.Values{"idempotencyKey": {find(t, `name="idempotencyKey" value="([^"]+)"`, b.get("/console/concerns/new").Body)},
		"whatHappened": {"Amira said an older man from an app gives her money."},
		"observedAt":   {now.Add(-2 * time.Hour).Format("2006-01-02T15:04")}, "pupilFirstName": {"Amira"},
		"yearGroup": {"year_8"}, "dateOfBirth": {now.AddDate(-13, 0, 0).Format(time.DateOnly)},
		"category": {"gifts_or_money"}, "parentsKnow": {"on"}}
}

// School staff raise a concern (a double submission raises one), see its
// status move as the force acknowledges it, and never see the police
// case; another school's staff get 404; the school's lead sees it too.
func TestSchoolConcernScreens(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	force := app.CreateForce(t, "")
	school, other := app.CreateSchool(t, force.ID, "Oak School"), app.CreateSchool(t, force.ID, "Elm School")
	staff := person(t, app, accounts.RoleSchoolStaff, school.ID)
	lead := person(t, app, accounts.RoleSafeguardingLead, school.ID)
	stranger := person(t, app, accounts.RoleSafeguardingLead, other.ID)
	officer := person(t, app, accounts.RoleOfficer, force.ID)
	b := signIn(t, app, staff, "")

	list := b.get("/console/concerns")
	mustContain(t, "concerns", list, "No concerns raised yet", "Raise a concern", "call 999 first")
	noStore(t, "concerns", list)
	form := b.get("/console/concerns/new")
	mustContain(t, "new concern", form, "What was seen or said", "Year group", "Refer it to the area's MASH")
	noStore(t, "new concern", form)

	fill := concernForm(t, app, b)
	p := b.post("/console/concerns/new", "/console/concerns", fill)
	if p.Status != http.StatusCreated {
		t.Fatalf("raise: %d %.600s", p.Status, p.Body)
	}
	mustContainStatus(t, "raised", p, "Amira", "received")
	noStore(t, "raised", p)
	fill.Del("_csrf")
	if again := b.post("/console/concerns/new", "/console/concerns", fill); again.Status != http.StatusCreated {
		t.Fatalf("the same form again: %d", again.Status)
	}
	list = b.get("/console/concerns")
	if n := strings.Count(list.Body, `href="/console/concerns/`) - 1; n != 1 {
		t.Errorf("the concerns list shows %d concerns after a double submission, want 1", n)
	}
	id := find(t, `href="/console/concerns/([0-9a-f][^"]*)"`, list.Body)
	detail := b.get("/console/concerns/" + id)
	mustContain(t, "concern", detail, "Amira, year 8", `id="concern-status">received`)
	noStore(t, "concern", detail)
	if strings.Contains(detail.Body, "older man from an app") {
		t.Error("the school's status page repeats the concern's text, which belongs to the police case")
	}

	officerB := signIn(t, app, officer, "")
	caseID := find(t, `href="/console/cases/([^"]+)"`, officerB.get("/console/cases").Body)
	casePath := "/console/cases/" + caseID
	if p := officerB.post(casePath, casePath+"/status", url.Values{"status": {"acknowledged"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("acknowledge: %d", p.Status)
	}
	mustContain(t, "after acknowledging", b.get("/console/concerns/"+id), `id="concern-status">acknowledged`, "Acknowledged by an officer")
	mustContain(t, "lead's view", signIn(t, app, lead, "").get("/console/concerns/"+id), "Amira")
	if p := signIn(t, app, stranger, "").get("/console/concerns/" + id); p.Status != http.StatusNotFound || strings.Contains(p.Body, "Amira") {
		t.Errorf("another school's lead: %d, want 404", p.Status)
	}
	if p := officerB.get("/console/concerns"); p.Status != http.StatusForbidden {
		t.Errorf("an officer on the school's concerns: %d, want 403", p.Status)
	}
}

// A concern about a pupil in danger now tells the member of staff to call
// 999 first, and bad input is a 400 naming the fields, storing nothing.
func TestConcernInDangerNowAndBadInput(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	force := app.CreateForce(t, "")
	staff := person(t, app, accounts.RoleSchoolStaff, app.CreateSchool(t, force.ID, "Ash School").ID)
	b := signIn(t, app, staff, "")
	bad := concernForm(t, app, b)
	bad.Set("pupilFirstName", "")
	bad.Set("observedAt", "yesterday")
	if p := b.post("/console/concerns/new", "/console/concerns", bad); p.Status != http.StatusBadRequest || !strings.Contains(p.Body, "observedAt") {
		t.Errorf("bad date: %d, want 400 naming observedAt", p.Status)
	}
	bad = concernForm(t, app, b)
	bad.Set("pupilFirstName", "")
	if p := b.post("/console/concerns/new", "/console/concerns", bad); p.Status != http.StatusBadRequest || !strings.Contains(p.Body, "pupil.firstName") {
		t.Errorf("no first name: %d, want 400 naming pupil.firstName", p.Status)
	}
	mustContain(t, "concerns", b.get("/console/concerns"), "No concerns raised yet")
	danger := concernForm(t, app, b)
	danger.Set("inDangerNow", "on")
	p := b.post("/console/concerns/new", "/console/concerns", danger)
	mustContainStatus(t, "in danger now", p, "call 999 first", `class="problem"`)
}

func mustContainStatus(t *testing.T, what string, p page, want ...string) {
	t.Helper()
	if p.Status != http.StatusCreated {
		t.Fatalf("%s: got %d, want 201: %.600s", what, p.Status, p.Body)
	}
	for _, w := range want {
		if !strings.Contains(p.Body, w) {
			t.Errorf("%s lacks %q", what, w)
		}
	}
}
