package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"speaksafe/apptest"
	"speaksafe/fcmfake"
	"speaksafe/server"
)

// TestOverdueImmediateReferralIsListedAndPaged: an immediate referral left
// undecided past its two hours is listed as overdue for the agency's leads
// and the force's supervisors (no one else), and the agency's on-call
// practitioner is paged once, by the first of two instances to sweep.
func TestOverdueImmediateReferralIsListedAndPaged(t *testing.T) {
	t.Parallel()
	fake := fcmfake.New()
	t.Cleanup(fake.Close)
	clock := apptest.NewClock(referralMonday)
	fcm := func(c *server.Config) { c.FCMEndpoint, c.FirebaseProjectID = fake.Endpoint(), "p" }
	app := apptest.New(t, apptest.WithClock(clock), apptest.WithoutWorkers(), apptest.WithConfig(fcm))
	w := app.NewWorld(t)
	lead, practitioner := w.Who(t, "agencyA/partner_lead"), w.Who(t, "agencyA/partner_practitioner")

	// The agency's lead puts the practitioner on call; the practitioner's
	// phone is registered.
	rotation := map[string]any{"name": "MASH duty", "members": []string{practitioner.ID}, "shiftHours": 24,
		"handover": "08:00", "startDate": "2026-01-01"}
	if res := app.Post(t, "/v1/oncall/rotations", lead.Token, rotation); res.Status != http.StatusCreated {
		t.Fatalf("agency rotation: got %d; %s", res.Status, res.Body)
	}
	const token = "fcm-token-of-the-mash-duty-phone-0001"
	if res := app.Post(t, "/v1/me/devices", practitioner.Token, map[string]string{"token": token, "platform": "android"}); res.Status != http.StatusOK {
		t.Fatalf("register device: got %d; %s", res.Status, res.Body)
	}
	caseID := routineCase(t, app, w.ForceA.Code, "someone is waiting outside school")
	r := refer(t, app, w.Who(t, "forceA/officer").Token, caseID, referralBody("immediate", []string{w.AgencyA.ID}, "category"))
	if want := referralMonday.Add(2 * time.Hour); !r.DueAt.Equal(want) {
		t.Errorf("immediate referral due %v, want %v", r.DueAt, want)
	}
	sweep := func(a *apptest.App) int {
		t.Helper()
		n, err := a.Referrals().Sweep(context.Background())
		if err != nil {
			t.Fatalf("sweep: %v", err)
		}
		return n
	}
	if n := sweep(app); n != 0 || len(fake.Requests()) != 0 {
		t.Fatalf("before the deadline: %d paged, %d pushes", n, len(fake.Requests()))
	}
	clock.Advance(2*time.Hour + time.Minute)
	// Fresh tokens: the clock moved past the first ones' lifetime.
	tokenOf := func(key string) string { return app.TokenFor(t, w.Who(t, key).ID) }
	for key, want := range map[string]int{"agencyA/partner_lead": 1, "forceA/supervisor": 1, "agencyB/partner_lead": 0, "forceB/supervisor": 0} {
		var list referralListView
		res := app.Get(t, "/v1/referrals/overdue", tokenOf(key))
		res.Decode(t, &list)
		if len(list.Items) != want || (want == 1 && (list.Items[0].ID != r.ID || !list.Items[0].Overdue)) {
			t.Errorf("%s overdue list: got %s, want %d item(s)", key, res.Body, want)
		}
	}
	if res := app.Get(t, "/v1/referrals/overdue", tokenOf("agencyA/partner_practitioner")); res.Status != http.StatusForbidden {
		t.Errorf("a practitioner's overdue list: got %d, want 403 (leads only)", res.Status)
	}

	second := apptest.New(t, apptest.WithDatabase(app.DB), apptest.WithClock(clock), apptest.WithoutWorkers(),
		apptest.WithConfig(func(c *server.Config) {
			fcm(c)
			c.JWTSigningKeys, c.DataKeys, c.AuditKeys = app.Cfg.JWTSigningKeys, app.Cfg.DataKeys, app.Cfg.AuditKeys
		}))
	if n := sweep(app) + sweep(second) + sweep(app); n != 1 {
		t.Errorf("paged %d times across two instances, want once", n)
	}
	got := fake.DeliveredTo(token)
	if len(got) != 1 {
		t.Fatalf("pushes to the on-call practitioner: got %d, want 1", len(got))
	}
	data, _ := got[0].Message["data"].(map[string]any)
	if data["referralId"] != r.ID || len(data) != 1 {
		t.Errorf("push data: got %v, want the referral id only", data)
	}
	var onCase referralListView
	app.Get(t, "/v1/cases/"+caseID+"/referrals", tokenOf("forceA/officer")).Decode(t, &onCase)
	last := onCase.Items[0].Steps[len(onCase.Items[0].Steps)-1]
	if !onCase.Items[0].Overdue || last.Kind != "overdue_paged" {
		t.Errorf("the force's view: overdue %v, last step %+v", onCase.Items[0].Overdue, last)
	}
	// Deciding late takes it off the overdue lists.
	res := app.Post(t, "/v1/referrals/"+r.ID+"/decision", tokenOf("agencyA/partner_practitioner"),
		map[string]string{"decision": "immediate_protection", "outcome": "Child placed with a relative tonight."})
	if res.Status != http.StatusOK {
		t.Fatalf("late decision: got %d; %s", res.Status, res.Body)
	}
	var list referralListView
	app.Get(t, "/v1/referrals/overdue", tokenOf("forceA/supervisor")).Decode(t, &list)
	if len(list.Items) != 0 {
		t.Errorf("a decided referral is still overdue: %+v", list.Items)
	}
}

// Steps are claimed by _id, so racing partners on two instances decide a
// referral once and ask numbered questions without losing one.
func TestReferralStepsHappenOnceAcrossInstances(t *testing.T) {
	t.Parallel()
	app := apptest.New(t, apptest.WithoutWorkers())
	w := app.NewWorld(t)
	second := apptest.New(t, apptest.WithDatabase(app.DB), apptest.WithoutWorkers(), apptest.WithConfig(func(c *server.Config) {
		c.JWTSigningKeys, c.DataKeys, c.AuditKeys = app.Cfg.JWTSigningKeys, app.Cfg.DataKeys, app.Cfg.AuditKeys
		c.RateLimitSecret, c.WebhookSecret = app.Cfg.RateLimitSecret, app.Cfg.WebhookSecret
	}))
	caseID := routineCase(t, app, w.ForceA.Code, "racing")
	r := refer(t, app, w.Who(t, "forceA/officer").Token, caseID, referralBody("standard", []string{w.AgencyA.ID}))
	tokens := []string{w.Who(t, "agencyA/partner_practitioner").Token, w.Who(t, "agencyA/partner_lead").Token}
	const n = 8
	var ops []caseOp
	for i := range n {
		body := map[string]string{"decision": []string{"section_47", "early_help"}[i%2], "outcome": fmt.Sprintf("outcome %d", i)}
		ops = append(ops, caseOp{app: []*apptest.App{app, second}[i%2], ok: []int{200, 409},
			req: apptest.Request{Method: http.MethodPost, Path: "/v1/referrals/" + r.ID + "/decision", Token: tokens[i/2%2], Body: body}},
			caseOp{app: []*apptest.App{second, app}[i%2], ok: []int{201},
				req: apptest.Request{Method: http.MethodPost, Path: "/v1/referrals/" + r.ID + "/questions", Token: tokens[i%2],
					Body: map[string]string{"text": fmt.Sprintf("question %d", i)}}})
	}
	statuses := runAtOnce(t, ops)
	decided := 0
	for i, st := range statuses {
		if !slices.Contains(ops[i].ok, st) {
			t.Errorf("%s: got %d, want one of %v", ops[i].req.Path, st, ops[i].ok)
		}
		if i%2 == 0 && st == http.StatusOK {
			decided++
		}
	}
	if decided != 1 {
		t.Errorf("%d decisions accepted, want exactly 1", decided)
	}
	var got referralView
	app.Get(t, "/v1/referrals/"+r.ID, tokens[0]).Decode(t, &got)
	kinds := map[string]int{}
	numbers := map[int]bool{}
	for _, s := range got.Steps {
		kinds[s.Kind]++
		if s.Kind == "question" {
			numbers[s.Number] = true
		}
	}
	if kinds["decided"] != 1 || kinds["acknowledged"] != 1 || kinds["question"] != n || len(numbers) != n || got.Status != "decided" {
		t.Errorf("steps: %v, question numbers %v, status %s; want one decision, one acknowledgement, %d questions", kinds, numbers, got.Status, n)
	}
}

// On the embedded store an update rewrites the whole document, so another
// instance's write can undo a decision's fields on the referral. The
// decision step, claimed by _id, holds the whole decision: the overdue
// lists leave the referral out and the referral shows the decision again,
// outcome and all.
func TestADecisionUndoneByAnotherWriteIsPutBack(t *testing.T) {
	t.Parallel()
	clock := apptest.NewClock(referralMonday)
	app := apptest.New(t, apptest.WithClock(clock), apptest.WithoutWorkers())
	w := app.NewWorld(t)
	caseID := routineCase(t, app, w.ForceA.Code, "a stranger keeps messaging me")
	r := refer(t, app, w.Who(t, "forceA/officer").Token, caseID, referralBody("immediate", []string{w.AgencyA.ID}))
	practitioner := w.Who(t, "agencyA/partner_practitioner")
	decision := map[string]string{"decision": "section_47", "agencyReference": "MASH-2026-0042", "outcome": "Strategy meeting held today."}
	if res := app.Post(t, "/v1/referrals/"+r.ID+"/decision", practitioner.Token, decision); res.Status != http.StatusOK {
		t.Fatalf("decision: got %d; %s", res.Status, res.Body)
	}
	// What a racing write leaves: the referral as it was before the decision.
	undo := bson.D{{Key: "$set", Value: bson.D{{Key: "decidedAt", Value: nil}, {Key: "decidedBy", Value: ""},
		{Key: "decision", Value: ""}, {Key: "agencyReference", Value: ""}, {Key: "outcome", Value: ""}}}}
	if _, err := app.DB.Collection("referrals").UpdateOne(context.Background(), bson.D{{Key: "_id", Value: r.ID}}, undo); err != nil {
		t.Fatal(err)
	}
	var got referralView
	app.Get(t, "/v1/referrals/"+r.ID, practitioner.Token).Decode(t, &got)
	if got.Status != "decided" || got.Outcome != "Strategy meeting held today." {
		t.Errorf("read back at once: status %q, outcome %q; want the decision", got.Status, got.Outcome)
	}
	if _, err := app.DB.Collection("referrals").UpdateOne(context.Background(), bson.D{{Key: "_id", Value: r.ID}}, undo); err != nil {
		t.Fatal(err)
	}
	clock.Advance(3 * time.Hour)
	var overdue referralListView
	app.Get(t, "/v1/referrals/overdue", app.TokenFor(t, w.Who(t, "forceA/supervisor").ID)).Decode(t, &overdue)
	if len(overdue.Items) != 0 {
		t.Errorf("a decided referral is listed as overdue: %+v", overdue.Items)
	}
	got = referralView{}
	app.Get(t, "/v1/referrals/"+r.ID, app.TokenFor(t, practitioner.ID)).Decode(t, &got)
	if got.Status != "decided" || got.Decision != "section_47" || got.AgencyReference != "MASH-2026-0042" || got.Outcome != "Strategy meeting held today." {
		t.Errorf("after the overdue list settled it: status %q, decision %q, reference %q, outcome %q; want the decision back",
			got.Status, got.Decision, got.AgencyReference, got.Outcome)
	}
}
