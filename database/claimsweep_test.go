package database_test

import (
	"context"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"speaksafe/database"
	"speaksafe/dbtest"
)

// A claim left behind by a failed release is deleted by the sweep once it
// is old enough; a claim whose owner exists is checked once and kept; a
// recent claim (its write may still be running) is left alone.
func TestSweepClaimsFreesOnlyOldClaimsWithoutOwner(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	ctx := context.Background()
	claims, things := db.Collection("claims"), db.Collection("things")
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	claim := func(name, owner string, at time.Time) bson.D {
		return bson.D{{Key: "_id", Value: name}, {Key: "owner", Value: owner}, {Key: database.ClaimedAtField, Value: at}}
	}
	for _, d := range []bson.D{
		claim("owned", "t1", now.Add(-time.Hour)),
		claim("stranded", "t2", now.Add(-time.Hour)),
		claim("in-flight", "t3", now.Add(-time.Second)),
		{{Key: "_id", Value: "checked"}, {Key: "owner", Value: "t4"}},
	} {
		if _, err := claims.InsertOne(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := things.InsertOne(ctx, thing{ID: "t1", Name: "one"}); err != nil {
		t.Fatal(err)
	}
	checks := 0
	owned := func(ctx context.Context, c bson.Raw) (bool, error) {
		checks++
		return database.Exists(ctx, things, c.Lookup("owner").StringValue())
	}
	cutoff := now.Add(-10 * time.Minute)
	n, err := database.SweepClaims(ctx, claims, cutoff, owned)
	if err != nil || n != 1 || checks != 2 {
		t.Fatalf("got %d deleted after %d checks (%v), want 1 after 2", n, checks, err)
	}
	for id, want := range map[string]int64{"owned": 1, "stranded": 0, "in-flight": 1, "checked": 1} {
		if got, err := claims.CountDocuments(ctx, bson.D{{Key: "_id", Value: id}}); err != nil || got != want {
			t.Errorf("claim %s: %d (%v), want %d", id, got, err, want)
		}
	}
	checks = 0
	if n, err := database.SweepClaims(ctx, claims, cutoff, owned); err != nil || n != 0 || checks != 0 {
		t.Errorf("second sweep: %d deleted after %d checks (%v), want nothing checked again", n, checks, err)
	}
}
