package handlers_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"speaksafe/apptest"
)

// When retention deletes a closed case, its referrals go with it: the
// agency's link answers 404 and the deletion is audited on the case.
func TestReferralsOfADeletedCaseAreDeleted(t *testing.T) {
	t.Parallel()
	clock := apptest.NewClock(referralMonday)
	app := apptest.New(t, apptest.WithClock(clock), apptest.WithoutWorkers())
	w := app.NewWorld(t)
	officer := w.Who(t, "forceA/officer").Token
	kept := routineCase(t, app, w.ForceA.Code, "still open")
	closed := routineCase(t, app, w.ForceA.Code, "to be closed")
	keptRef := refer(t, app, officer, kept, referralBody("standard", []string{w.AgencyA.ID}))
	gone := refer(t, app, officer, closed, referralBody("standard", []string{w.AgencyA.ID}))
	res := app.Post(t, "/v1/cases/"+closed+"/status", officer, map[string]string{"status": "closed", "disposition": "referred_to_other_agency"})
	if res.Status != http.StatusOK {
		t.Fatalf("close: got %d; %s", res.Status, res.Body)
	}
	if n, err := app.Referrals().SweepDeletedCases(context.Background()); err != nil || n != 0 {
		t.Fatalf("before retention: deleted %d (%v), want 0", n, err)
	}
	clock.Advance(app.Cfg.ClosedCaseRetention + time.Hour)
	if _, err := app.Tools().Reports.Sweep(context.Background(), clock.Now(), 15*time.Minute); err != nil {
		t.Fatal(err)
	}
	if n, err := app.Referrals().SweepDeletedCases(context.Background()); err != nil || n != 1 {
		t.Fatalf("after retention: deleted %d (%v), want 1", n, err)
	}
	partner := app.TokenFor(t, w.Who(t, "agencyA/partner_practitioner").ID)
	if res := app.Get(t, "/v1/referrals/"+gone.ID, partner); res.Status != http.StatusNotFound {
		t.Errorf("the deleted case's referral: got %d, want 404", res.Status)
	}
	if res := app.Get(t, "/v1/referrals/"+keptRef.ID, partner); res.Status != http.StatusOK {
		t.Errorf("the open case's referral: got %d, want 200", res.Status)
	}
	if n := countDocs(t, app, "referral_events"); n != 1 {
		t.Errorf("got %d referral steps left, want the open case's one", n)
	}
	found := false
	for _, rec := range auditRecords(t, app) {
		found = found || (rec.Action == "referral.deleted" && rec.ObjectType == "case" && rec.ObjectID == closed && rec.Detail["referralId"] == gone.ID)
	}
	if !found {
		t.Error("no referral.deleted audit entry on the case")
	}
}
