package console_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"speaksafe/accounts"
	"speaksafe/apptest"
)

func mustContain(t *testing.T, what string, p page, want ...string) {
	t.Helper()
	if p.Status != http.StatusOK {
		t.Fatalf("%s: got %d, want 200: %.600s", what, p.Status, p.Body)
	}
	for _, w := range want {
		if !strings.Contains(p.Body, w) {
			t.Errorf("%s lacks %q", what, w)
		}
	}
}

// The officer's screens: the queue leads with the urgent case and its
// alert state; the case shows the child's words and contact details; a
// message reaches the reporter's own session through the API; the case
// closes with a disposition; the alert is acknowledged in one click.
func TestOfficerScreens(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	force := app.CreateForce(t, "")
	officer := person(t, app, accounts.RoleOfficer, force.ID)
	report(t, app, force.Code, false, "routine gifts story")
	urgent := strings.Fields(report(t, app, force.Code, true, "he wants to meet me today"))
	b := signIn(t, app, officer, "")

	q := b.get("/console/cases")
	mustContain(t, "queue", q, urgent[0], "urgent", "meeting planned")
	if strings.Index(q.Body, urgent[0]) > strings.Index(q.Body, "gifts or money") {
		t.Error("the urgent case is not first in the queue")
	}
	caseID := find(t, `href="/console/cases/([^"]+)">`+urgent[0], q.Body)
	c := b.get("/console/cases/" + caseID)
	mustContain(t, "case", c, "he wants to meet me today", "Anonymous", "Private notes", "Disposition")

	alerts := b.get("/console/alerts")
	mustContain(t, "alerts", alerts, urgent[0], "Acknowledge")
	alertID := find(t, `action="/console/alerts/([^"]+)/ack"`, alerts.Body)
	if p := b.post("/console/alerts", "/console/alerts/"+alertID+"/ack", nil); p.Status != http.StatusSeeOther {
		t.Fatalf("acknowledge: %d %.400s", p.Status, p.Body)
	}
	mustContain(t, "alerts after acknowledging", b.get("/console/alerts"), "acknowledged")

	if p := b.post("/console/cases/"+caseID, "/console/cases/"+caseID+"/messages", url.Values{"body": {"We are here to help you."}}); p.Status != http.StatusSeeOther {
		t.Fatalf("message: %d %.400s", p.Status, p.Body)
	}
	sess := app.Post(t, "/v1/reports/session", "", map[string]string{"reference": urgent[0], "receipt": urgent[1]})
	var s struct{ Token string }
	sess.Decode(t, &s)
	if res := app.Get(t, "/v1/reporter/case", s.Token); !strings.Contains(string(res.Body), "We are here to help you.") {
		t.Errorf("the reporter does not see the message: %d %s", res.Status, res.Body)
	}

	p := b.post("/console/cases/"+caseID, "/console/cases/"+caseID+"/status", url.Values{"status": {"closed"}})
	if p.Status != http.StatusBadRequest || !strings.Contains(p.Body, "disposition") {
		t.Errorf("closing without a disposition: %d, want 400 naming disposition", p.Status)
	}
	p = b.post("/console/cases/"+caseID, "/console/cases/"+caseID+"/status",
		url.Values{"status": {"closed"}, "disposition": {"advice_given"}, "outcome": {"We spoke to your school."}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("close: %d %.400s", p.Status, p.Body)
	}
	mustContain(t, "closed case", b.get("/console/cases/"+caseID), "Closed", "advice given")
	mustContain(t, "on call", b.get("/console/oncall"), "On call now", "Rotations", "Supervisors add overrides")
}

// Another force's case is a 404, as in the API; a school role cannot open
// the queue at all.
func TestOtherForcesAndRolesSeeNothing(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	force, other := app.CreateForce(t, ""), app.CreateForce(t, "")
	officer := person(t, app, accounts.RoleOfficer, force.ID)
	stranger := person(t, app, accounts.RoleOfficer, other.ID)
	school := app.CreateSchool(t, force.ID, "Valley School")
	staff := person(t, app, accounts.RoleSchoolStaff, school.ID)
	report(t, app, force.Code, true, "secret words")
	caseID := find(t, `href="/console/cases/([^"]+)"`, signIn(t, app, officer, "").get("/console/cases").Body)

	if p := signIn(t, app, stranger, "").get("/console/cases/" + caseID); p.Status != http.StatusNotFound || strings.Contains(p.Body, "secret words") {
		t.Errorf("another force's officer: %d, want 404", p.Status)
	}
	if p := signIn(t, app, staff, "").get("/console/cases"); p.Status != http.StatusForbidden {
		t.Errorf("school staff on the queue: %d, want 403", p.Status)
	}
	if p := newBrowser(t, app).get("/console/cases"); p.Status != http.StatusSeeOther {
		t.Errorf("no session: %d, want a redirect to sign in", p.Status)
	}
}

// The supervisor creates a rotation, a policy and makes it the default;
// on call now then names the rotation's member.
func TestSupervisorScreens(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	force := app.CreateForce(t, "")
	sup := person(t, app, accounts.RoleSupervisor, force.ID)
	officer := person(t, app, accounts.RoleOfficer, force.ID)
	b := signIn(t, app, sup, "")
	mustContain(t, "on call", b.get("/console/oncall"), "No default escalation policy", "New rotation")
	p := b.post("/console/oncall", "/console/oncall/rotations", url.Values{"name": {"Response team"}, "members": {officer.ID},
		"shiftHours": {"24"}, "handover": {"07:00"}, "timeZone": {"Europe/London"}, "startDate": {"2026-01-01"}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("create rotation: %d %.600s", p.Status, p.Body)
	}
	page := b.get("/console/oncall")
	rot := find(t, `<option value="([^"]+)">Response team</option>`, page.Body)
	p = b.post("/console/oncall", "/console/oncall/policies", url.Values{"name": {"Default"}, "rotationId": {rot},
		"escalateTo": {sup.ID}, "webhook": {"https://control-room.example.org/hook"}, "delaySeconds": {"300"}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("create policy: %d %s", p.Status, p.Body[strings.Index(p.Body, "<main"):])
	}
	pol := find(t, `action="/console/oncall/policies/([^"]+)/default"`, b.get("/console/oncall").Body)
	if p := b.post("/console/oncall", "/console/oncall/policies/"+pol+"/default", nil); p.Status != http.StatusSeeOther {
		t.Fatalf("make default: %d", p.Status)
	}
	mustContain(t, "on call now", b.get("/console/oncall"), officer.Name, "<td>none<br>", "gap")
	mustContain(t, "users", b.get("/console/users"), officer.Email, "Invite someone")
}

// School staff write content with a server-rendered, sanitised preview and
// send it for review; the lead (a second person) publishes it; it goes into
// the collection; the poster carries the join code and a QR code. The
// Welsh version shows beside the English one.
func TestContentScreens(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	force := app.CreateForce(t, "")
	school := app.CreateSchool(t, force.ID, "Hill School")
	staff := person(t, app, accounts.RoleSchoolStaff, school.ID)
	lead := person(t, app, accounts.RoleSafeguardingLead, school.ID)
	b := signIn(t, app, staff, "")

	prev := b.do(http.MethodPost, "/console/content/preview", url.Values{"body": {"# Hello\n\n<script>alert(1)</script>\n\n**safe**"}},
		map[string]string{"X-CSRF-Token": csrfOf(t, b.get("/console/content/new"))})
	if prev.Status != http.StatusOK || !strings.Contains(prev.Body, "<strong>safe</strong>") || strings.Contains(prev.Body, "<script") {
		t.Fatalf("preview: %d %q", prev.Status, prev.Body)
	}
	draft := url.Values{"title": {"Trusted adults"}, "slug": {"hill-trusted-adults"}, "locale": {"en"}, "summary": {"Who to tell"},
		"ageBands": {"11-13"}, "topics": {"trusted-adults"}, "body": {"Tell a **trusted adult**."}}
	p := b.post("/console/content/new", "/console/content", draft)
	if p.Status != http.StatusSeeOther {
		t.Fatalf("create: %d %.800s", p.Status, p.Body)
	}
	itemPath := p.Header.Get("Location")
	welsh := url.Values{"title": {"Oedolion dibynadwy"}, "slug": {"hill-trusted-adults"}, "locale": {"cy"}, "summary": {"Pwy i ddweud"},
		"ageBands": {"11-13"}, "topics": {"trusted-adults"}, "body": {"Dywedwch wrth **oedolyn**."}}
	if p := b.post("/console/content/new", "/console/content", welsh); p.Status != http.StatusSeeOther {
		t.Fatalf("create Welsh: %d %.800s", p.Status, p.Body)
	}
	item := b.get(itemPath)
	mustContain(t, "item", item, "<strong>trusted adult</strong>", "Cymraeg", "<strong>oedolyn</strong>", "Send for review")
	if p := b.post(itemPath, itemPath+"/submit", url.Values{"version": {find(t, `name="version" value="(\d+)"`, item.Body)}}); p.Status != http.StatusSeeOther {
		t.Fatalf("submit: %d %.400s", p.Status, p.Body)
	}
	if strings.Contains(b.get(itemPath).Body, `/publish"`) {
		t.Error("school staff are offered Publish")
	}

	l := signIn(t, app, lead, "")
	item = l.get(itemPath)
	mustContain(t, "item for the lead", item, "in review", "Publish")
	if p := l.post(itemPath, itemPath+"/publish", url.Values{"version": {find(t, `name="version" value="(\d+)"`, item.Body)}}); p.Status != http.StatusSeeOther {
		t.Fatalf("publish: %d %.400s", p.Status, p.Body)
	}
	mustContain(t, "published item", l.get(itemPath), "published", "is live")

	col := b.get("/console/collection")
	mustContain(t, "collection", col, "Join code", "Trusted adults")
	itemID := strings.TrimPrefix(itemPath, "/console/content/")
	p = b.post("/console/collection", "/console/collection/add", url.Values{"itemId": {itemID},
		"version": {find(t, `name="version" value="(\d+)"`, col.Body)}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("add to collection: %d %.400s", p.Status, p.Body)
	}
	col = b.get("/console/collection")
	if !strings.Contains(col.Body, `aria-label="Remove Trusted adults"`) {
		t.Error("the item is not in the collection")
	}
	code := find(t, `id="join-code">([^<]+)<`, col.Body)
	mustContain(t, "poster", b.get("/console/collection/poster"), code, `src="data:image/svg`, "Hill School", "999")
}

// The admin creates an organisation, invites a user (the invite code is
// shown once), disables them and resets an enrolled user's MFA.
func TestAdminScreens(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	admin := person(t, app, accounts.RoleAdmin, "")
	b := signIn(t, app, admin, "")
	p := b.post("/console/organisations", "/console/organisations", url.Values{"kind": {"force"}, "name": {"Shire Police"},
		"code": {"shire"}, "area": {"Shire"}, "nonEmergency": {"101"}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("create force: %d %.600s", p.Status, p.Body)
	}
	orgs := b.get("/console/organisations")
	mustContain(t, "organisations", orgs, "Shire Police", "shire")
	forceID := find(t, `<option value="([^"]+)">Shire Police</option>`, orgs.Body)
	users := b.post("/console/users", "/console/users", url.Values{"email": {"pc@shire.example"}, "name": {"PC Shire"},
		"role": {"officer"}, "orgId": {forceID}})
	mustContain(t, "invite", users, "pc@shire.example", `id="invite-code"`)
	userID := find(t, `action="/console/users/([^"]+)/disable"[^>]*>.{0,200}aria-label="Disable pc@shire.example"`, users.Body)
	if p := b.post("/console/users", "/console/users/"+userID+"/disable", nil); p.Status != http.StatusSeeOther {
		t.Fatalf("disable: %d %.400s", p.Status, p.Body)
	}
	mustContain(t, "users after disabling", b.get("/console/users"), "disabled", "Enable")
	mustContain(t, "account", b.get("/console/account"), "Sign out everywhere", "Turn on two-step sign-in")
}

// Bad input gets a clear 4xx page in the console's words and changes
// nothing; nothing answers 500.
func TestBadInputGetsAClearPage(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	force := app.CreateForce(t, "")
	officer := person(t, app, accounts.RoleOfficer, force.ID)
	report(t, app, force.Code, false, "gifts again")
	b := signIn(t, app, officer, "")
	caseID := find(t, `href="/console/cases/([^"]+)"`, b.get("/console/cases").Body)
	for name, tc := range map[string]struct {
		p    page
		want int
	}{
		"garbage cursor":   {b.get("/console/cases?cursor=%7B%22%24ne%22%3A1%7D"), http.StatusBadRequest},
		"unknown status":   {b.get("/console/cases?status=deleted"), http.StatusBadRequest},
		"unknown case":     {b.get("/console/cases/no-such-case"), http.StatusNotFound},
		"empty note":       {b.post("/console/cases", "/console/cases/"+caseID+"/notes", url.Values{"body": {"  "}}), http.StatusBadRequest},
		"huge note":        {b.post("/console/cases", "/console/cases/"+caseID+"/notes", url.Values{"body": {strings.Repeat("x", 9000)}}), http.StatusBadRequest},
		"invalid UTF-8":    {b.post("/console/cases", "/console/cases/"+caseID+"/messages", url.Values{"body": {"bad \xff\xfe"}}), http.StatusBadRequest},
		"unknown assignee": {b.post("/console/cases", "/console/cases/"+caseID+"/assignment", url.Values{"userId": {"nobody"}}), http.StatusBadRequest},
	} {
		if tc.p.Status != tc.want || !strings.Contains(tc.p.Body, `class="problem"`) {
			t.Errorf("%s: got %d, want %d with a problem page", name, tc.p.Status, tc.want)
		}
	}
	if c := b.get("/console/cases/" + caseID); strings.Contains(c.Body, "xxxxxxxx") || !strings.Contains(c.Body, "No notes.") {
		t.Error("a refused note was stored")
	}
}

// The stylesheet and script are served from the binary with their types;
// nothing else is.
func TestAssetsAreEmbedded(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	b := newBrowser(t, app)
	for path, ctype := range map[string]string{"/console/static/console.css": "text/css", "/console/static/console.js": "text/javascript"} {
		p := b.get(path)
		if p.Status != http.StatusOK || !strings.HasPrefix(p.Header.Get("Content-Type"), ctype) || len(p.Body) < 100 {
			t.Errorf("%s: %d %q", path, p.Status, p.Header.Get("Content-Type"))
		}
	}
	for _, path := range []string{"/console/static/nothing.js", "/console/static/..%2fassets.go"} {
		if p := b.get(path); p.Status != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", path, p.Status)
		}
	}
}
