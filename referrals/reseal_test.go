package referrals

import (
	"context"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"speaksafe/database"
	"speaksafe/dbtest"
	"speaksafe/fieldcrypt"
)

// A referral and its steps sealed under an old key are readable under the
// new one after Reseal, and a second run rewrites nothing.
func TestResealMovesAReferralToTheCurrentKey(t *testing.T) {
	db := dbtest.New(t)
	old, err := fieldcrypt.NewKey("k1")
	if err != nil {
		t.Fatal(err)
	}
	fresh, _ := fieldcrypt.NewKey("k2")
	oldKeys, _ := fieldcrypt.Parse(old)
	newKeys, err := fieldcrypt.Parse(fresh + "," + old)
	if err != nil {
		t.Fatal(err)
	}
	s := &Service{d: Deps{DB: db, Keys: oldKeys, Now: time.Now}}
	ctx := context.Background()
	d := &refDoc{ID: "r1", CaseID: "c1", ForceID: "f1", AgencyID: "a1", CreatedAt: time.Now().UTC(), DueAt: time.Now().UTC()}
	if d.Summary, err = s.seal(d.ID, sealSummary, "the officer's summary"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Collection(colReferrals).InsertOne(ctx, d); err != nil {
		t.Fatal(err)
	}
	e := eventDoc{ID: eventID("r1", stepQuestion, 1), ReferralID: "r1", Kind: stepQuestion, Number: 1, At: time.Now().UTC()}
	if e.Text, err = s.seal(e.ID, sealText, "a question"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Collection(colEvents).InsertOne(ctx, e); err != nil {
		t.Fatal(err)
	}
	dec := eventDoc{ID: eventID("r1", stepDecided, 0), ReferralID: "r1", Kind: stepDecided, At: time.Now().UTC(), Decision: "early_help"}
	if dec.Outcome, err = s.seal("r1", sealOutcome, "family support offered"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Collection(colEvents).InsertOne(ctx, dec); err != nil {
		t.Fatal(err)
	}
	if n, err := Reseal(ctx, db, newKeys, "r1"); err != nil || n != 3 {
		t.Fatalf("reseal: got %d, %v; want 3 values", n, err)
	}
	if n, err := Reseal(ctx, db, newKeys, "r1"); err != nil || n != 0 {
		t.Fatalf("second reseal: got %d, %v; want 0", n, err)
	}
	var got refDoc
	if err := db.Collection(colReferrals).FindOne(ctx, bson.D{{Key: "_id", Value: "r1"}}).Decode(&got); err != nil {
		t.Fatal(err)
	}
	s.d.Keys, _ = fieldcrypt.Parse(fresh)
	if v, err := s.open("r1", sealSummary, got.Summary); err != nil || v != "the officer's summary" {
		t.Errorf("summary under the new key alone: %q, %v", v, err)
	}
	steps, err := s.stepsOf(ctx, "r1")
	if err != nil || len(steps) != 2 || steps[1].Text != "a question" && steps[0].Text != "a question" {
		t.Errorf("steps under the new key alone: %+v, %v", steps, err)
	}
	decided, err := database.FindByID[eventDoc](ctx, db.Collection(colEvents), dec.ID, nil)
	if v, oerr := s.open("r1", sealOutcome, decided.Outcome); err != nil || oerr != nil || v != "family support offered" {
		t.Errorf("the decision step's outcome under the new key alone: %q, %v, %v", v, err, oerr)
	}
}
