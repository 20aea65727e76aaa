package handlers_test

import (
	"net/http"
	"slices"
	"testing"

	"speaksafe/apptest"
)

// The agency's inbox is ordered by deadline, soonest first, and paged with
// the cursor of the previous page; a forged cursor is 400.
func TestReferralInboxIsPagedByDeadline(t *testing.T) {
	t.Parallel()
	app := apptest.New(t, apptest.WithClock(apptest.NewClock(referralMonday)), apptest.WithoutWorkers())
	w := app.NewWorld(t)
	officer, partner := w.Who(t, "forceA/officer").Token, w.Who(t, "agencyA/partner_lead").Token
	standard := refer(t, app, officer, routineCase(t, app, w.ForceA.Code, "one"), referralBody("standard", []string{w.AgencyA.ID}))
	immediate := refer(t, app, officer, routineCase(t, app, w.ForceA.Code, "two"), referralBody("immediate", []string{w.AgencyA.ID}))
	var seen []string
	next := ""
	for range 3 {
		var page referralListView
		res := app.Get(t, "/v1/referrals?limit=1&cursor="+next, partner)
		if res.Status != http.StatusOK {
			t.Fatalf("inbox: got %d; %s", res.Status, res.Body)
		}
		res.Decode(t, &page)
		for _, r := range page.Items {
			seen = append(seen, r.ID)
		}
		if next = page.Next; next == "" {
			break
		}
	}
	if !slices.Equal(seen, []string{immediate.ID, standard.ID}) {
		t.Errorf("inbox order: got %v, want the immediate then the standard referral", seen)
	}
	if res := app.Get(t, "/v1/referrals?cursor=not-a-cursor", partner); res.Status != http.StatusBadRequest {
		t.Errorf("forged cursor: got %d, want 400", res.Status)
	}
	var other referralListView
	app.Get(t, "/v1/referrals", w.Who(t, "agencyB/partner_lead").Token).Decode(t, &other)
	if len(other.Items) != 0 {
		t.Errorf("agency B's inbox holds %d of agency A's referrals", len(other.Items))
	}
}
