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

// mashWorld is a force with an officer, the MASH serving it with a
// practitioner, another agency serving the same force with its own
// practitioner, a school with staff, and an urgent case in the queue.
type mashWorld struct {
	app                     *apptest.App
	officer, partner, other accounts.User
	staff, stranger         accounts.User
	mash                    accounts.Organisation
	caseID, reference       string
}

func newMashWorld(t *testing.T, opts ...apptest.Option) mashWorld {
	t.Helper()
	app := apptest.New(t, opts...)
	force, elsewhere := app.CreateForce(t, ""), app.CreateForce(t, "")
	w := mashWorld{app: app, mash: app.CreateAgency(t, "Demoshire MASH", accounts.AgencyChildrensSocialCare, force.ID)}
	health := app.CreateAgency(t, "Demoshire Health", accounts.AgencyHealth, force.ID)
	w.officer = person(t, app, accounts.RoleOfficer, force.ID)
	w.stranger = person(t, app, accounts.RoleOfficer, elsewhere.ID)
	w.partner = person(t, app, accounts.RolePartnerPractitioner, w.mash.ID)
	w.other = person(t, app, accounts.RolePartnerPractitioner, health.ID)
	w.staff = person(t, app, accounts.RoleSchoolStaff, app.CreateSchool(t, force.ID, "Brook School").ID)
	w.reference = strings.Fields(report(t, app, force.Code, true, "he wants to meet me today"))[0]
	w.caseID = find(t, `href="/console/cases/([^"]+)">`+w.reference, signIn(t, app, w.officer, "").get("/console/cases").Body)
	return w
}

func referralForm(agencyID, urgency string) url.Values {
	return url.Values{"agencyIds": {agencyID}, "summary": {"Child plans to meet an adult met in a game."},
		"reason": {"Possible grooming: the MASH should assess."}, "lawfulBasis": {"dpa2018_safeguarding_children"},
		"urgency": {urgency}, "fields": {"category", "whatHappened"}}
}

// An officer refers the urgent case to the MASH from the case's referral
// screen, choosing fields; the MASH practitioner sees it in the inbox,
// reads what was shared (and nothing else), asks a question the officer
// answers, acknowledges and decides; the officer sees each step and can
// then close the case as a safeguarding referral.
func TestOfficerRefersAndPartnerDecides(t *testing.T) {
	t.Parallel()
	w := newMashWorld(t)
	officer := signIn(t, w.app, w.officer, "")
	casePath := "/console/cases/" + w.caseID
	refs := casePath + "/referrals"

	close := url.Values{"status": {"closed"}, "disposition": {"safeguarding_referral"}}
	if p := officer.post(casePath, casePath+"/status", close); p.Status != http.StatusBadRequest || !strings.Contains(p.Body, "needs a referral") {
		t.Errorf("closing as a safeguarding referral before referring: %d, want 400 naming the referral", p.Status)
	}
	page := officer.get(refs)
	mustContain(t, "case referrals", page, "This case has not been referred", "Demoshire MASH", "Demoshire Health", "Lawful basis")
	noStore(t, "case referrals", page)
	if strings.Contains(page.Body, `value="contact"`) {
		t.Error("an anonymous case offers its contact details for sharing")
	}
	p := officer.post(refs, refs, referralForm(w.mash.ID, "immediate"))
	if p.Status != http.StatusSeeOther || !strings.Contains(p.Header.Get("Location"), "made=1") {
		t.Fatalf("refer: %d %s %.600s", p.Status, p.Header.Get("Location"), p.Body)
	}
	mustContain(t, "after referring", officer.get(refs+"?made=1"), "Referred to 1 agency", "Immediate", "sent", "category, what happened")

	partner := signIn(t, w.app, w.partner, "")
	inbox := partner.get("/console/referrals")
	mustContain(t, "inbox", inbox, "immediate", "sent")
	noStore(t, "inbox", inbox)
	if strings.Contains(inbox.Body, "Child plans to meet") {
		t.Error("the inbox shows a referral's text; only opening it should")
	}
	refID := find(t, `href="/console/referrals/([^"]+)"`, inbox.Body)
	detail := partner.get("/console/referrals/" + refID)
	mustContain(t, "referral", detail, "Child plans to meet an adult", "he wants to meet me today", "DPA 2018 Sch. 1 para 18", "Acknowledge")
	noStore(t, "referral", detail)
	if strings.Contains(detail.Body, w.reference) || strings.Contains(detail.Body, w.caseID) {
		t.Error("the partner sees the police case's reference or id")
	}

	at := "/console/referrals/" + refID
	if p := partner.post(at, at+"/questions", url.Values{"text": {"Which school does the child attend?"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("ask: %d %.400s", p.Status, p.Body)
	}
	withQ := officer.get(refs)
	mustContain(t, "question on the force's side", withQ, "Which school does the child attend?", "Answer question 1")
	answer := find(t, `action="(/console/cases/[^"]+/answers)"`, withQ.Body)
	if p := officer.post(refs, answer, url.Values{"question": {"1"}, "text": {"Brook School, year 8."}}); p.Status != http.StatusSeeOther {
		t.Fatalf("answer: %d %.400s", p.Status, p.Body)
	}
	mustContain(t, "answer on the partner's side", partner.get(at), "Brook School, year 8.")

	if p := partner.post(at, at+"/acknowledge", nil); p.Status != http.StatusSeeOther {
		t.Fatalf("acknowledge: %d %.400s", p.Status, p.Body)
	}
	mustContain(t, "acknowledged", partner.get(at), `id="referral-status">acknowledged`)
	p = partner.post(at, at+"/decision", url.Values{"decision": {"section_47"}, "agencyReference": {"MASH-42"}, "outcome": {"Strategy discussion held; section 47 enquiry opened."}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("decide: %d %.400s", p.Status, p.Body)
	}
	mustContain(t, "decided", partner.get(at), "section 47", "MASH-42")
	if p := partner.post(at, at+"/decision", url.Values{"decision": {"early_help"}, "outcome": {"again"}}); p.Status != http.StatusConflict {
		t.Errorf("second decision: %d, want 409", p.Status)
	}
	mustContain(t, "decision on the force's side", officer.get(refs), "section 47", "MASH-42", "Strategy discussion held")

	if p := officer.post(casePath, casePath+"/status", close); p.Status != http.StatusSeeOther {
		t.Fatalf("close as a safeguarding referral: %d %.400s", p.Status, p.Body)
	}
	mustContain(t, "closed case", officer.get(casePath), "safeguarding referral")
}

// The inbox shows an immediate referral as overdue two hours after it was
// made, on the injected clock.
func TestInboxShowsOverdueReferrals(t *testing.T) {
	t.Parallel()
	w := newMashWorld(t, apptest.WithClock(apptest.NewClock(time.Date(2026, 11, 3, 10, 0, 0, 0, time.UTC))))
	officer := signIn(t, w.app, w.officer, "")
	refs := "/console/cases/" + w.caseID + "/referrals"
	if p := officer.post(refs, refs, referralForm(w.mash.ID, "immediate")); p.Status != http.StatusSeeOther {
		t.Fatalf("refer: %d", p.Status)
	}
	partner := signIn(t, w.app, w.partner, "")
	if p := partner.get("/console/referrals"); strings.Contains(p.Body, "overdue") {
		t.Error("a fresh referral shows as overdue")
	}
	w.app.Clock.Advance(2*time.Hour + time.Minute)
	mustContain(t, "inbox after the deadline", partner.get("/console/referrals"), "1 overdue", `class="overdue"`)
}

// SECURITY 6 in the console: a partner sees only their agency's
// referrals and none of the force's or a school's screens (404, as in the
// API); a partner of another agency gets 404 on this referral; school
// staff cannot reach referrals; an officer of another force gets 404 on
// the case's referrals.
func TestReferralScreensAreScoped(t *testing.T) {
	t.Parallel()
	w := newMashWorld(t)
	officer := signIn(t, w.app, w.officer, "")
	refs := "/console/cases/" + w.caseID + "/referrals"
	if p := officer.post(refs, refs, referralForm(w.mash.ID, "standard")); p.Status != http.StatusSeeOther {
		t.Fatalf("refer: %d", p.Status)
	}
	refID := find(t, `href="/console/referrals/([^"]+)"`, signIn(t, w.app, w.partner, "").get("/console/referrals").Body)
	at := "/console/referrals/" + refID

	other := signIn(t, w.app, w.other, "")
	if p := other.get("/console/referrals"); p.Status != http.StatusOK || strings.Contains(p.Body, refID) {
		t.Errorf("another agency's inbox: %d, lists the referral: %v", p.Status, strings.Contains(p.Body, refID))
	}
	csrf := csrfOf(t, other.get("/console/referrals"))
	for _, req := range []struct{ method, path string }{
		{http.MethodGet, at}, {http.MethodPost, at + "/acknowledge"}, {http.MethodPost, at + "/decision"},
		{http.MethodPost, at + "/questions"}, {http.MethodGet, "/console/cases"}, {http.MethodGet, "/console/cases/" + w.caseID},
		{http.MethodGet, refs}, {http.MethodPost, refs}, {http.MethodGet, "/console/alerts"}, {http.MethodGet, "/console/oncall"},
		{http.MethodGet, "/console/concerns"}, {http.MethodGet, "/console/content"}, {http.MethodGet, "/console/organisations"},
	} {
		var form url.Values
		if req.method == http.MethodPost {
			form = url.Values{"_csrf": {csrf}, "decision": {"early_help"}, "outcome": {"x"}, "text": {"q"}}
		}
		p := other.do(req.method, req.path, form, nil)
		if p.Status != http.StatusNotFound || strings.Contains(p.Body, "Child plans to meet") {
			t.Errorf("other agency %s %s: %d, want 404", req.method, req.path, p.Status)
		}
	}
	mustContain(t, "referral after the other agency tried", signIn(t, w.app, w.partner, "").get(at), `id="referral-status">sent`)

	staff := signIn(t, w.app, w.staff, "")
	for _, path := range []string{"/console/referrals", at, refs} {
		if p := staff.get(path); p.Status != http.StatusForbidden || strings.Contains(p.Body, "Child plans to meet") {
			t.Errorf("school staff GET %s: %d, want 403", path, p.Status)
		}
	}
	stranger := signIn(t, w.app, w.stranger, "")
	if p := stranger.get(refs); p.Status != http.StatusNotFound || strings.Contains(p.Body, "Child plans to meet") {
		t.Errorf("another force's officer on the case's referrals: %d, want 404", p.Status)
	}
	if p := stranger.post("/console/cases", refs, referralForm(w.mash.ID, "standard")); p.Status != http.StatusNotFound {
		t.Errorf("another force's officer referring the case: %d, want 404", p.Status)
	}
	if p := stranger.get(at); p.Status != http.StatusForbidden {
		t.Errorf("an officer on the partners' referral screen: %d, want 403", p.Status)
	}
}

// Every new form refuses a POST without the session's CSRF token, and
// nothing changes.
func TestReferralAndConcernFormsNeedCSRF(t *testing.T) {
	t.Parallel()
	w := newMashWorld(t)
	officer := signIn(t, w.app, w.officer, "")
	refs := "/console/cases/" + w.caseID + "/referrals"
	if p := officer.do(http.MethodPost, refs, referralForm(w.mash.ID, "standard"), nil); p.Status != http.StatusForbidden {
		t.Errorf("referral without CSRF: %d, want 403", p.Status)
	}
	mustContain(t, "case referrals", officer.get(refs), "This case has not been referred")
	if p := officer.post(refs, refs, referralForm(w.mash.ID, "standard")); p.Status != http.StatusSeeOther {
		t.Fatalf("refer: %d", p.Status)
	}
	partner := signIn(t, w.app, w.partner, "")
	at := "/console/referrals/" + find(t, `href="/console/referrals/([^"]+)"`, partner.get("/console/referrals").Body)
	for _, path := range []string{at + "/acknowledge", at + "/decision", at + "/questions"} {
		form := url.Values{"decision": {"early_help"}, "outcome": {"x"}, "text": {"q"}}
		if p := partner.do(http.MethodPost, path, form, nil); p.Status != http.StatusForbidden {
			t.Errorf("POST %s without CSRF: %d, want 403", path, p.Status)
		}
	}
	if p := partner.get(at); !strings.Contains(p.Body, `id="referral-status">sent`) || strings.Contains(p.Body, "question 1") {
		t.Error("a forged partner post changed the referral")
	}
	staff := signIn(t, w.app, w.staff, "")
	if p := staff.do(http.MethodPost, "/console/concerns", concernForm(t, w.app, staff), nil); p.Status != http.StatusForbidden {
		t.Errorf("concern without CSRF: %d, want 403", p.Status)
	}
	mustContain(t, "concerns", staff.get("/console/concerns"), "No concerns raised yet")
}

// A partner lead manages their own agency's people from the console (as
// /v1/users allows), and nobody else's.
func TestPartnerLeadSeesOnlyTheAgencysUsers(t *testing.T) {
	t.Parallel()
	w := newMashWorld(t)
	lead := person(t, w.app, accounts.RolePartnerLead, w.mash.ID)
	b := signIn(t, w.app, lead, "")
	users := b.get("/console/users")
	mustContain(t, "users", users, w.partner.Email, "Invite someone", `value="partner_practitioner"`)
	for _, hidden := range []string{w.officer.Email, w.other.Email, w.staff.Email, `value="officer"`} {
		if strings.Contains(users.Body, hidden) {
			t.Errorf("a partner lead's users screen shows %q", hidden)
		}
	}
	if p := b.get("/console/"); p.Status != http.StatusSeeOther || !strings.HasSuffix(p.Header.Get("Location"), "/console/referrals") {
		t.Errorf("a partner's home: %d %s, want the referrals inbox", p.Status, p.Header.Get("Location"))
	}
}
