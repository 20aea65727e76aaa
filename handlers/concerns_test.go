package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"speaksafe/apptest"
	"speaksafe/reports"
)

// concernClockStart is far from the wall clock, so that a rule read from
// the wall clock instead of the app's clock would show.
var concernClockStart = time.Date(2031, 3, 10, 10, 0, 0, 0, time.UTC)

func concernBody(firstName string, inDanger bool) map[string]any {
	return map[string]any{
		"category":     "gifts_or_money",
		"whatHappened": "Said an older man online keeps sending her phone credit and asks for photos.",
		"observedAt":   concernClockStart.Add(-2 * time.Hour).Format(time.RFC3339),
		"pupil":        map[string]any{"firstName": firstName, "yearGroup": "year_8", "dateOfBirth": "2018-05-14"},
		"inDangerNow":  inDanger,
		"parentsKnow":  false,
	}
}

func raiseConcern(t *testing.T, app *apptest.App, token, key string, body any) *apptest.Response {
	t.Helper()
	return app.Do(t, apptest.Request{Method: http.MethodPost, Path: "/v1/concerns", Token: token, Body: body,
		Header: map[string]string{"Idempotency-Key": key}})
}

type concernRaised struct {
	ID               string   `json:"id"`
	Reference        string   `json:"reference"`
	Status           string   `json:"status"`
	Urgent           bool     `json:"urgent"`
	UrgentReasons    []string `json:"urgentReasons"`
	CallEmergencyNow bool     `json:"callEmergencyNow"`
	Advice           string   `json:"advice"`
}

type concernStatus struct {
	ID             string `json:"id"`
	Status         string `json:"status"`
	PupilFirstName string `json:"pupilFirstName"`
	Outcome        string `json:"outcome"`
	Referral       *struct {
		Decision string `json:"decision"`
	} `json:"referral"`
}

func concernStatusOf(t *testing.T, app *apptest.App, token, id string) concernStatus {
	t.Helper()
	res := app.Get(t, "/v1/concerns/"+id, token)
	if res.Status != http.StatusOK {
		t.Fatalf("concern status: got %d; %s", res.Status, res.Body)
	}
	for _, leak := range []string{"PRIVATE-NOTE", "alertState", "messages", "notes", "assignedTo"} {
		if strings.Contains(string(res.Body), leak) {
			t.Errorf("the school's view shows %q of the police case: %s", leak, res.Body)
		}
	}
	var s concernStatus
	res.Decode(t, &s)
	return s
}

// A member of a school's staff raises a concern about a pupil in danger:
// the answer says call 999 first, the force's on-call officers are paged,
// the officers of the school's force see it in their queue as a concern
// with the pupil decrypted for them only, and the school follows its
// status — received, acknowledged, closed with the outcome line — never
// the officers' notes.
func TestSchoolConcernReachesTheForceAndTheSchoolSeesOnlyItsStatus(t *testing.T) {
	t.Parallel()
	app := apptest.New(t, apptest.WithClock(apptest.NewClock(concernClockStart)))
	w := app.NewWorld(t)
	staff, lead := w.Who(t, "schoolA/school_staff"), w.Who(t, "schoolA/safeguarding_lead")
	officer := w.Who(t, "forceA/officer")

	res := raiseConcern(t, app, staff.Token, freshKey(), concernBody("Zephyrine", true))
	if res.Status != http.StatusCreated {
		t.Fatalf("raise: got %d; %s", res.Status, res.Body)
	}
	var raised concernRaised
	res.Decode(t, &raised)
	if !raised.CallEmergencyNow || !raised.Urgent || !slices.Contains(raised.UrgentReasons, "in_danger_now") ||
		!strings.Contains(raised.Advice, "999") || raised.Status != "received" {
		t.Errorf("answer to a pupil in danger now: got %+v, want call 999, urgent, in_danger_now", raised)
	}
	if err := app.DB.Collection("alerts").FindOne(context.Background(), bson.D{{Key: "_id", Value: raised.ID}}).Err(); err != nil {
		t.Errorf("an urgent concern opened no alert for the force's on-call officers: %v", err)
	}
	if dump := dumpCollections(t, app); strings.Contains(dump, "Zephyrine") || strings.Contains(dump, "2018-05-14") {
		t.Error("the pupil's name or date of birth is stored in clear")
	}

	q := app.Get(t, "/v1/cases", officer.Token)
	if !strings.Contains(string(q.Body), raised.Reference) || !strings.Contains(string(q.Body), `"kind":"concern"`) {
		t.Fatalf("queue of the school's force: got %d %s, want the concern of kind concern", q.Status, q.Body)
	}
	if strings.Contains(string(q.Body), "Zephyrine") {
		t.Error("the queue shows the pupil's name")
	}
	open := app.Get(t, "/v1/cases/"+raised.ID, officer.Token)
	var detail struct {
		Kind    string `json:"kind"`
		Concern struct {
			SchoolID string `json:"schoolId"`
			Pupil    struct {
				FirstName   string `json:"firstName"`
				DateOfBirth string `json:"dateOfBirth"`
			} `json:"pupil"`
		} `json:"concern"`
	}
	open.Decode(t, &detail)
	if open.Status != http.StatusOK || detail.Kind != "concern" || detail.Concern.Pupil.FirstName != "Zephyrine" ||
		detail.Concern.Pupil.DateOfBirth != "2018-05-14" || detail.Concern.SchoolID != w.SchoolA.ID {
		t.Errorf("officer's case view: got %d %+v", open.Status, detail)
	}

	if got := concernStatusOf(t, app, staff.Token, raised.ID); got.Status != "received" || got.PupilFirstName != "Zephyrine" {
		t.Errorf("school sees %+v, want received for Zephyrine", got)
	}
	steps := []struct {
		path string
		body map[string]string
		want string
	}{
		{"/status", map[string]string{"status": "acknowledged"}, "acknowledged"},
		{"/notes", map[string]string{"body": "PRIVATE-NOTE spoke to the DSL"}, "acknowledged"},
		{"/messages", map[string]string{"body": "PRIVATE-NOTE message"}, "acknowledged"},
		{"/status", map[string]string{"status": "closed", "disposition": "advice_given",
			"outcome": "Officers visited the family; children's social care is involved."}, "closed"},
	}
	for _, st := range steps {
		if r := app.Post(t, "/v1/cases/"+raised.ID+st.path, officer.Token, st.body); r.Status >= 300 {
			t.Fatalf("POST %s: got %d; %s", st.path, r.Status, r.Body)
		}
		if got := concernStatusOf(t, app, lead.Token, raised.ID); got.Status != st.want {
			t.Errorf("after %s: school sees %q, want %q", st.path, got.Status, st.want)
		}
	}
	if got := concernStatusOf(t, app, staff.Token, raised.ID); got.Outcome != "Officers visited the family; children's social care is involved." {
		t.Errorf("closed concern: school sees outcome %q", got.Outcome)
	}
}

// Who may see a school's concern: the lead of the school and the member of
// staff who raised it; other staff of the school, other schools, force
// staff on the concern routes and school staff on the case routes all get
// 404 (or 403 where the role never may).
func TestConcernIsolation(t *testing.T) {
	t.Parallel()
	app := apptest.New(t, apptest.WithClock(apptest.NewClock(concernClockStart)))
	w := app.NewWorld(t)
	raiser := w.Who(t, "schoolA/school_staff")
	var raised concernRaised
	raiseConcern(t, app, raiser.Token, freshKey(), concernBody("Amira", false)).Decode(t, &raised)
	other := app.Staff(t, "school_staff", w.SchoolA.ID)
	w.Staff["schoolA/other_staff"] = other

	get := apptest.Request{Method: http.MethodGet, Path: "/v1/concerns/" + raised.ID}
	openCase := apptest.Request{Method: http.MethodGet, Path: "/v1/cases/" + raised.ID}
	app.RunMatrix(t, w, []apptest.MatrixRow{
		{Who: "schoolA/school_staff", Request: get, Want: http.StatusOK},
		{Who: "schoolA/safeguarding_lead", Request: get, Want: http.StatusOK},
		{Who: "schoolA/other_staff", Request: get, Want: http.StatusNotFound},
		{Who: "schoolB/safeguarding_lead", Request: get, Want: http.StatusNotFound},
		{Who: "schoolB/school_staff", Request: get, Want: http.StatusNotFound},
		{Who: "forceA/safeguarding_lead", Request: get, Want: http.StatusNotFound},
		{Who: "forceA/officer", Request: get, Want: http.StatusForbidden},
		{Who: "admin", Request: get, Want: http.StatusForbidden},
		{Who: "schoolA/safeguarding_lead", Request: openCase, Want: http.StatusNotFound},
		{Who: "schoolA/school_staff", Request: openCase, Want: http.StatusNotFound},
		{Who: "forceB/officer", Request: openCase, Want: http.StatusNotFound},
		{Who: "forceA/officer", Request: openCase, Want: http.StatusOK},
	})
	for who, want := range map[string]int{"schoolA/safeguarding_lead": 1, "schoolA/school_staff": 1,
		"schoolA/other_staff": 0, "schoolB/safeguarding_lead": 0} {
		var page struct {
			Items []concernStatus `json:"items"`
		}
		app.Get(t, "/v1/concerns", w.Who(t, who).Token).Decode(t, &page)
		if len(page.Items) != want {
			t.Errorf("%s lists %d concerns, want %d", who, len(page.Items), want)
		}
	}
}

// Bad concerns are refused with every problem named and store nothing;
// a retry with the same key answers the same concern, and the same key
// with another concern is 409.
func TestConcernValidationAndRetries(t *testing.T) {
	t.Parallel()
	app := apptest.New(t, apptest.WithClock(apptest.NewClock(concernClockStart)))
	w := app.NewWorld(t)
	lead := w.Who(t, "schoolA/safeguarding_lead")

	future := concernBody("Amira", false)
	future["observedAt"] = concernClockStart.Add(24 * time.Hour).Format(time.RFC3339)
	badPupil := concernBody("", false)
	badPupil["pupil"] = map[string]any{"firstName": "", "yearGroup": "year_14", "dateOfBirth": "14/05/2018"}
	for name, tc := range map[string]struct {
		key, body  any
		wantFields []string
	}{
		"no key":        {"", concernBody("Amira", false), []string{"Idempotency-Key"}},
		"future":        {freshKey(), future, []string{"observedAt"}},
		"bad pupil":     {freshKey(), badPupil, []string{"pupil.firstName", "pupil.yearGroup", "pupil.dateOfBirth"}},
		"nothing":       {freshKey(), map[string]any{}, []string{"whatHappened", "observedAt", "pupil.firstName"}},
		"operator json": {freshKey(), `{"whatHappened":{"$ne":""}}`, nil},
		"unknown field": {freshKey(), `{"whatHappened":"x","pupilSurname":"Smith"}`, nil},
	} {
		res := raiseConcern(t, app, lead.Token, tc.key.(string), tc.body)
		if res.Status != http.StatusBadRequest {
			t.Errorf("%s: got %d, want 400; %s", name, res.Status, res.Body)
			continue
		}
		for _, f := range tc.wantFields {
			if !strings.Contains(string(res.Body), `"`+f+`"`) {
				t.Errorf("%s: the problem does not name %s: %s", name, f, res.Body)
			}
		}
	}
	if n := countDocs(t, app, "cases"); n != 0 {
		t.Fatalf("refused concerns stored %d cases", n)
	}

	key := freshKey()
	var first, again concernRaised
	raiseConcern(t, app, lead.Token, key, concernBody("Amira", false)).Decode(t, &first)
	raiseConcern(t, app, lead.Token, key, concernBody("Amira", false)).Decode(t, &again)
	if first.ID == "" || first.ID != again.ID || first.Reference != again.Reference {
		t.Errorf("a retry answered %+v, want the first concern %+v", again, first)
	}
	if first.Urgent || first.CallEmergencyNow {
		t.Errorf("a routine concern answered urgent %v call999 %v", first.Urgent, first.CallEmergencyNow)
	}
	if res := raiseConcern(t, app, lead.Token, key, concernBody("Bilal", false)); res.Status != http.StatusConflict {
		t.Errorf("the same key with another concern: got %d, want 409", res.Status)
	}
	if n := countDocs(t, app, "cases"); n != 1 {
		t.Errorf("one concern and its retries stored %d cases", n)
	}
}

// The school's list pages newest first with a cursor.
func TestSchoolConcernListPages(t *testing.T) {
	t.Parallel()
	app := apptest.New(t, apptest.WithClock(apptest.NewClock(concernClockStart)))
	w := app.NewWorld(t)
	lead := w.Who(t, "schoolA/safeguarding_lead")
	var want []string
	for i := range 3 {
		app.Clock.Advance(time.Minute)
		var r concernRaised
		raiseConcern(t, app, lead.Token, freshKey(), concernBody(fmt.Sprintf("Pupil%d", i), false)).Decode(t, &r)
		want = append([]string{r.ID}, want...)
	}
	var got []string
	cursor := ""
	for range 5 {
		path := "/v1/concerns?limit=2"
		if cursor != "" {
			path += "&cursor=" + cursor
		}
		var page struct {
			Items []concernStatus `json:"items"`
			Next  string          `json:"next"`
		}
		app.Get(t, path, lead.Token).Decode(t, &page)
		for _, it := range page.Items {
			got = append(got, it.ID)
		}
		if cursor = page.Next; cursor == "" {
			break
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("pages list %v, want newest first %v", got, want)
	}
	if res := app.Get(t, "/v1/concerns?cursor=bm9wZQ", lead.Token); res.Status != http.StatusBadRequest {
		t.Errorf("a forged cursor: got %d, want 400", res.Status)
	}
}

// fakeReferrer stands in for the referrals domain.
type fakeReferrer struct {
	referred chan reports.ConcernReferral
	progress reports.ReferralProgress
}

func (f *fakeReferrer) ReferConcern(_ context.Context, r reports.ConcernReferral) error {
	f.referred <- r
	return nil
}

func (f *fakeReferrer) ConcernProgress(context.Context, string) (reports.ReferralProgress, error) {
	return f.progress, nil
}

// A concern the school asks to refer to the MASH is passed to the
// referrals domain, and the school then sees referred and decision_recorded.
func TestConcernReferToMashReachesTheReferralsHook(t *testing.T) {
	t.Parallel()
	app := apptest.New(t, apptest.WithClock(apptest.NewClock(concernClockStart)))
	w := app.NewWorld(t)
	lead := w.Who(t, "schoolA/safeguarding_lead")
	ref := &fakeReferrer{referred: make(chan reports.ConcernReferral, 4)}
	app.Tools().Reports.UseConcernReferrer(ref)

	plain := raiseConcern(t, app, lead.Token, freshKey(), concernBody("Amira", false))
	if plain.Status != http.StatusCreated || len(ref.referred) != 0 {
		t.Fatalf("a concern without referToMash: got %d and %d referrals", plain.Status, len(ref.referred))
	}
	body := concernBody("Bilal", false)
	body["referToMash"] = true
	var raised concernRaised
	raiseConcern(t, app, lead.Token, freshKey(), body).Decode(t, &raised)
	select {
	case r := <-ref.referred:
		if r.CaseID != raised.ID || r.SchoolID != w.SchoolA.ID || r.ForceID != w.ForceA.ID {
			t.Errorf("referral passed on: got %+v", r)
		}
	default:
		t.Fatal("a concern with referToMash was not passed to the referrals domain")
	}
	at := concernClockStart.Add(time.Hour)
	ref.progress = reports.ReferralProgress{ReferredAt: &at}
	if got := concernStatusOf(t, app, lead.Token, raised.ID); got.Status != "referred" {
		t.Errorf("after the referral: school sees %q, want referred", got.Status)
	}
	ref.progress.DecidedAt, ref.progress.Decision = &at, "early_help"
	got := concernStatusOf(t, app, lead.Token, raised.ID)
	if got.Status != "decision_recorded" || got.Referral == nil || got.Referral.Decision != "early_help" {
		t.Errorf("after the decision: school sees %+v, want decision_recorded early_help", got)
	}
}

// A concern its school asks to refer reaches the area's MASH (agency A:
// children's social care serving force A) through the referrals domain,
// once although the school retries; agency B sees nothing; the school
// follows it to the agency's decision.
func TestConcernReferredToTheMASHReachesTheAgency(t *testing.T) {
	t.Parallel()
	app := apptest.New(t, apptest.WithClock(apptest.NewClock(concernClockStart)))
	w := app.NewWorld(t)
	lead := w.Who(t, "schoolA/safeguarding_lead")
	partner := w.Who(t, "agencyA/partner_practitioner").Token
	body := concernBody("Bilal", false)
	body["referToMash"] = true
	key := freshKey()
	var raised concernRaised
	raiseConcern(t, app, lead.Token, key, body).Decode(t, &raised)
	if res := raiseConcern(t, app, lead.Token, key, body); res.Status != http.StatusCreated && res.Status != http.StatusOK {
		t.Fatalf("retry: got %d %s", res.Status, res.Body)
	}
	var inbox referralListView
	app.Get(t, "/v1/referrals", partner).Decode(t, &inbox)
	if len(inbox.Items) != 1 || inbox.Items[0].Status != "sent" {
		t.Fatalf("agency A's inbox: got %+v, want the concern's one referral", inbox.Items)
	}
	var other referralListView
	app.Get(t, "/v1/referrals", w.Who(t, "agencyB/partner_practitioner").Token).Decode(t, &other)
	if len(other.Items) != 0 {
		t.Errorf("agency B's inbox: got %d referrals, want none", len(other.Items))
	}
	if got := concernStatusOf(t, app, lead.Token, raised.ID); got.Status != "referred" {
		t.Errorf("after the referral: school sees %q, want referred", got.Status)
	}
	res := app.Post(t, "/v1/referrals/"+inbox.Items[0].ID+"/decision", partner,
		map[string]string{"decision": "early_help", "outcome": "Early help offered to the family."})
	if res.Status != http.StatusOK {
		t.Fatalf("decision: got %d %s", res.Status, res.Body)
	}
	got := concernStatusOf(t, app, lead.Token, raised.ID)
	if got.Status != "decision_recorded" || got.Referral == nil || got.Referral.Decision != "early_help" {
		t.Errorf("after the decision: school sees %+v, want decision_recorded early_help", got)
	}
}
