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

// calendarOf is the calendar table of rotation id in an on-call page.
func calendarOf(t *testing.T, body, id string) string {
	t.Helper()
	return find(t, `(?s)(<table class="calendar" id="calendar-`+id+`">.*?</table>)`, body)
}

// A supervisor edits a rotation and its calendar follows; deletes an
// override and a rotation no policy pages. An officer reads the calendar
// but cannot edit; another force's supervisor gets 404; a post without
// the CSRF token changes nothing.
func TestRotationEditAndCalendar(t *testing.T) {
	t.Parallel()
	clock := apptest.NewClock(time.Date(2026, 11, 4, 9, 0, 0, 0, time.UTC)) // a Wednesday
	app := apptest.New(t, apptest.WithClock(clock))
	force, other := app.CreateForce(t, ""), app.CreateForce(t, "")
	sup := person(t, app, accounts.RoleSupervisor, force.ID)
	ann := person(t, app, accounts.RoleOfficer, force.ID)
	bob := person(t, app, accounts.RoleOfficer, force.ID)
	stranger := person(t, app, accounts.RoleSupervisor, other.ID)
	b := signIn(t, app, sup, "")
	p := b.post("/console/oncall", "/console/oncall/rotations", url.Values{"name": {"Days"}, "members": {ann.ID, bob.ID},
		"shiftHours": {"24"}, "handover": {"07:00"}, "timeZone": {"Europe/London"}, "startDate": {"2026-11-02"}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("create rotation: %d %.400s", p.Status, p.Body)
	}
	page := b.get("/console/oncall")
	rot := find(t, `href="/console/oncall/rotations/([^"]+)"`, page.Body)
	cal := calendarOf(t, page.Body, rot)
	// Monday 2 Nov: Bob until 07:00 (the last shift before the start is
	// nobody's), Ann from 07:00; Wednesday 4 Nov is today: Ann then Bob.
	for _, want := range []string{`data-date="2026-11-02"><span class="date">Mon 2 Nov</span><br>` + ann.Name + `</td>`,
		`aria-current="date" data-date="2026-11-04"><span class="date">Wed 4 Nov</span><br>` + bob.Name + `<br>` + ann.Name + `</td>`,
		`data-date="2026-11-29">`} {
		if !strings.Contains(cal, want) {
			t.Errorf("calendar lacks %q:\n%s", want, cal)
		}
	}
	noStore(t, "on call", page)
	edit := b.get("/console/oncall/rotations/" + rot)
	mustContain(t, "edit rotation", edit, `value="Days"`, "Save rotation")
	noStore(t, "edit rotation", edit)

	forged(t, b, "/console/oncall/rotations/"+rot, url.Values{"name": {"Forged"}, "members": {bob.ID}, "shiftHours": {"24"},
		"handover": {"07:00"}, "timeZone": {"Europe/London"}, "startDate": {"2026-11-02"}})
	x := signIn(t, app, stranger, "")
	if p := x.get("/console/oncall/rotations/" + rot); p.Status != http.StatusNotFound {
		t.Errorf("another force's supervisor on the edit page: %d, want 404", p.Status)
	}
	if p := x.post("/console/oncall", "/console/oncall/rotations/"+rot+"/delete", nil); p.Status != http.StatusNotFound {
		t.Errorf("another force's supervisor deleting: %d, want 404", p.Status)
	}
	o := signIn(t, app, ann, "")
	mustContain(t, "on call as officer", o.get("/console/oncall"), `id="calendar-`+rot+`"`)
	if p := o.get("/console/oncall/rotations/" + rot); p.Status != http.StatusForbidden {
		t.Errorf("an officer on the edit page: %d, want 403", p.Status)
	}

	p = b.post("/console/oncall/rotations/"+rot, "/console/oncall/rotations/"+rot, url.Values{"name": {"Days (Bob only)"},
		"members": {bob.ID}, "shiftHours": {"24"}, "handover": {"07:00"}, "timeZone": {"Europe/London"}, "startDate": {"2026-11-02"}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("edit rotation: %d %.600s", p.Status, p.Body)
	}
	page = b.get("/console/oncall")
	cal = calendarOf(t, page.Body, rot)
	if !strings.Contains(cal, "Days (Bob only)") || strings.Contains(cal, ann.Name) || !strings.Contains(cal, bob.Name) {
		t.Errorf("the calendar did not follow the edit:\n%s", cal)
	}
	if p := b.post("/console/oncall/rotations/"+rot, "/console/oncall/rotations/"+rot, url.Values{"name": {"x"},
		"members": {bob.ID}, "shiftHours": {"0"}, "handover": {"7am"}, "timeZone": {"Europe/London"}, "startDate": {"2026-11-02"}}); p.Status != http.StatusBadRequest ||
		!strings.Contains(p.Body, "shiftHours") || !strings.Contains(p.Body, "handover") {
		t.Errorf("a bad edit: %d, want 400 naming both fields", p.Status)
	}

	p = b.post("/console/oncall", "/console/oncall/overrides", url.Values{"rotationId": {rot}, "mode": {"add"}, "userId": {ann.ID},
		"start": {"2026-11-05T10:00"}, "end": {"2026-11-05T12:00"}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("add override: %d %.400s", p.Status, p.Body)
	}
	page = b.get("/console/oncall")
	if cal := calendarOf(t, page.Body, rot); !strings.Contains(cal, `Thu 5 Nov</span><br>`+bob.Name+`<br>`+ann.Name+`</td>`) {
		t.Errorf("the override is not in the calendar:\n%s", cal)
	}
	ov := find(t, `action="/console/oncall/overrides/([^"]+)/delete"`, page.Body)
	forged(t, b, "/console/oncall/overrides/"+ov+"/delete", nil)
	if p := b.post("/console/oncall", "/console/oncall/overrides/"+ov+"/delete", nil); p.Status != http.StatusSeeOther {
		t.Fatalf("delete override: %d", p.Status)
	}
	if strings.Contains(b.get("/console/oncall").Body, "/console/oncall/overrides/"+ov) {
		t.Error("the deleted override is still listed")
	}
	if p := b.post("/console/oncall", "/console/oncall/rotations/"+rot+"/delete", nil); p.Status != http.StatusSeeOther {
		t.Fatalf("delete rotation: %d", p.Status)
	}
	if strings.Contains(b.get("/console/oncall").Body, `id="calendar-`+rot+`"`) {
		t.Error("the deleted rotation still has a calendar")
	}
}

// A supervisor edits a policy's tiers (a new version, still the default),
// makes another policy the default and deletes the old one; the default
// cannot be deleted, a rotation a policy pages neither.
func TestPolicyEditAndDefault(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	force, other := app.CreateForce(t, ""), app.CreateForce(t, "")
	sup := person(t, app, accounts.RoleSupervisor, force.ID)
	officer := person(t, app, accounts.RoleOfficer, force.ID)
	stranger := person(t, app, accounts.RoleSupervisor, other.ID)
	b := signIn(t, app, sup, "")
	b.post("/console/oncall", "/console/oncall/rotations", url.Values{"name": {"Response"}, "members": {officer.ID},
		"shiftHours": {"24"}, "handover": {"07:00"}, "timeZone": {"Europe/London"}, "startDate": {"2026-01-01"}})
	rot := find(t, `href="/console/oncall/rotations/([^"]+)"`, b.get("/console/oncall").Body)
	for _, name := range []string{"Main", "Spare"} {
		p := b.post("/console/oncall", "/console/oncall/policies", url.Values{"name": {name}, "rotationId": {rot},
			"webhook": {"https://control-room.example.org/hook"}, "delaySeconds": {"300"}})
		if p.Status != http.StatusSeeOther {
			t.Fatalf("create policy: %d %.400s", p.Status, p.Body)
		}
	}
	page := b.get("/console/oncall")
	main := find(t, `href="/console/oncall/policies/([^"]+)" aria-label="Edit policy Main"`, page.Body)
	spare := find(t, `href="/console/oncall/policies/([^"]+)" aria-label="Edit policy Spare"`, page.Body)
	b.post("/console/oncall", "/console/oncall/policies/"+main+"/default", nil)

	edit := b.get("/console/oncall/policies/" + main)
	mustContain(t, "edit policy", edit, "Tier 1", "Tier 2", "Tier 3", `value="https://control-room.example.org/hook"`, "stays the default")
	noStore(t, "edit policy", edit)
	if p := signIn(t, app, stranger, "").get("/console/oncall/policies/" + main); p.Status != http.StatusNotFound {
		t.Errorf("another force's supervisor: %d, want 404", p.Status)
	}
	if p := signIn(t, app, officer, "").get("/console/oncall/policies/" + main); p.Status != http.StatusForbidden {
		t.Errorf("an officer: %d, want 403", p.Status)
	}
	tiers := url.Values{"name": {"Main v2"}, "repeat": {"1"},
		"tier0-kind": {"rotation"}, "tier0-rotation": {rot}, "tier0-delay": {"120"},
		"tier1-kind": {"people"}, "tier1-people": {sup.ID}, "tier1-delay": {"240"},
		"tier2-kind": {"webhook"}, "tier2-webhook": {"https://control-room.example.org/v2"}, "tier2-delay": {"300"}}
	forged(t, b, "/console/oncall/policies/"+main, tiers)
	if p := b.post("/console/oncall/policies/"+main, "/console/oncall/policies/"+main, tiers); p.Status != http.StatusSeeOther {
		t.Fatalf("edit policy: %d %.600s", p.Status, p.Body)
	}
	page = b.get("/console/oncall")
	v2 := find(t, `href="/console/oncall/policies/([^"]+)" aria-label="Edit policy Main v2"`, page.Body)
	if v2 == main || strings.Contains(page.Body, "/console/oncall/policies/"+main+`"`) {
		t.Error("the edit did not make a new version in place of the old one")
	}
	mustContain(t, "on call after the edit", page, "Response after 120 s", sup.Name+" after 240 s", "https://control-room.example.org/v2",
		`<td>Main v2</td>`)
	if !strings.Contains(page.Body, `<td>Main v2</td>`) || !strings.Contains(between(page.Body, "Main v2", "</tr>"), "<strong>default</strong>") {
		t.Error("the new version is not the default")
	}

	if p := b.post("/console/oncall", "/console/oncall/policies/"+v2+"/delete", nil); p.Status != http.StatusConflict {
		t.Errorf("deleting the default: %d, want 409", p.Status)
	}
	if p := b.post("/console/oncall", "/console/oncall/rotations/"+rot+"/delete", nil); p.Status != http.StatusConflict {
		t.Errorf("deleting a rotation a policy pages: %d, want 409", p.Status)
	}
	if p := b.post("/console/oncall/policies/"+spare, "/console/oncall/policies/"+spare+"/default", nil); p.Status != http.StatusSeeOther {
		t.Fatalf("make default: %d", p.Status)
	}
	if p := b.post("/console/oncall", "/console/oncall/policies/"+v2+"/delete", nil); p.Status != http.StatusSeeOther {
		t.Fatalf("delete the old default: %d %.300s", p.Status, p.Body)
	}
	if strings.Contains(b.get("/console/oncall").Body, "Main v2") {
		t.Error("the deleted policy is still listed")
	}
}

// between is the text of s from the first from to the next to.
func between(s, from, to string) string {
	i := strings.Index(s, from)
	if i < 0 {
		return ""
	}
	j := strings.Index(s[i:], to)
	if j < 0 {
		return s[i:]
	}
	return s[i : i+j]
}
