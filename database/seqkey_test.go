package database_test

import (
	"context"
	"slices"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"speaksafe/database"
	"speaksafe/dbtest"
)

func TestSeqKeysSortAsTheNumbers(t *testing.T) {
	nums := []int64{0, 1, 9, 10, 99, 100, 12345, 1 << 40, 1<<63 - 1}
	keys := make([]string, len(nums))
	for i, n := range nums {
		keys[i] = database.SeqKey(n)
		if back, ok := database.ParseSeqKey(keys[i]); !ok || back != n {
			t.Errorf("ParseSeqKey(%q) = %d, %v; want %d", keys[i], back, ok, n)
		}
	}
	if !slices.IsSorted(keys) {
		t.Errorf("keys %v do not sort as their numbers", keys)
	}
	for _, bad := range []string{"", "12", "-000000000000000001", "+000000000000000001", "00000000000000000x1"} {
		if _, ok := database.ParseSeqKey(bad); ok {
			t.Errorf("ParseSeqKey(%q) accepted", bad)
		}
	}
}

// Positions stored under numeric _ids move to string keys with every other
// field kept; running the move again, or after a crash that left both
// copies, changes nothing more.
func TestMigrateSeqKeysMovesNumericPositions(t *testing.T) {
	ctx := context.Background()
	c := dbtest.New(t).Collection("changes")
	for i := int64(1); i <= 3; i++ {
		if _, err := c.InsertOne(ctx, bson.D{{Key: "_id", Value: i}, {Key: "caseId", Value: "c" + string(rune('0'+i))}}); err != nil {
			t.Fatal(err)
		}
	}
	// A crash after copying 2 but before deleting its numeric document.
	if _, err := c.InsertOne(ctx, bson.D{{Key: "_id", Value: database.SeqKey(2)}, {Key: "seq", Value: int64(2)}, {Key: "caseId", Value: "c2"}}); err != nil {
		t.Fatal(err)
	}
	// Already in the new form: left alone.
	if _, err := c.InsertOne(ctx, bson.D{{Key: "_id", Value: database.SeqKey(4)}, {Key: "seq", Value: int64(4)}, {Key: "caseId", Value: "c4"}}); err != nil {
		t.Fatal(err)
	}
	moved, err := database.MigrateSeqKeys(ctx, c)
	if err != nil || moved != 3 {
		t.Fatalf("moved %d (%v), want 3", moved, err)
	}
	if moved, err := database.MigrateSeqKeys(ctx, c); err != nil || moved != 0 {
		t.Fatalf("second run moved %d (%v), want 0", moved, err)
	}
	type change struct {
		Key    string `bson:"_id"`
		Seq    int64  `bson:"seq"`
		CaseID string `bson:"caseId"`
	}
	cur, err := c.Find(ctx, bson.D{}, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		t.Fatal(err)
	}
	var got []change
	if err := cur.All(ctx, &got); err != nil {
		t.Fatal(err)
	}
	want := []change{{database.SeqKey(1), 1, "c1"}, {database.SeqKey(2), 2, "c2"}, {database.SeqKey(3), 3, "c3"}, {database.SeqKey(4), 4, "c4"}}
	if !slices.Equal(got, want) {
		t.Fatalf("after the move: %+v\nwant %+v", got, want)
	}
}
