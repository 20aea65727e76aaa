package console_test

import (
	"context"
	"net/http"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"speaksafe/apptest"
	"speaksafe/server"
)

// A case's referrals are found through the case's links; referrals stored
// before links existed are linked when an instance starts, and listed
// again.
func TestReferralsFromBeforeCaseLinksAreListedAfterAStart(t *testing.T) {
	t.Parallel()
	w := newMashWorld(t)
	officer := signIn(t, w.app, w.officer, "")
	refs := "/console/cases/" + w.caseID + "/referrals"
	if p := officer.post(refs, refs, referralForm(w.mash.ID, "standard")); p.Status != http.StatusSeeOther {
		t.Fatalf("refer: %d %.300s", p.Status, p.Body)
	}
	mustContain(t, "referred", officer.get(refs), `class="referral-status">sent`)

	// The store as it was before links: the referral and no link.
	if _, err := w.app.DB.Collection("referral_cases").DeleteMany(context.Background(), bson.D{}); err != nil {
		t.Fatal(err)
	}
	mustContain(t, "links lost", officer.get(refs), "This case has not been referred")

	next := apptest.New(t, apptest.WithDatabase(w.app.DB), apptest.WithConfig(func(c *server.Config) {
		c.DataKeys, c.AuditKeys, c.ReceiptKeys = w.app.Cfg.DataKeys, w.app.Cfg.AuditKeys, w.app.Cfg.ReceiptKeys
	}))
	again := signIn(t, next, w.officer, "")
	mustContain(t, "after a start", again.get(refs), `class="referral-status">sent`, "Demoshire MASH")
	mustContain(t, "the first instance too", officer.get(refs), `class="referral-status">sent`)
}
