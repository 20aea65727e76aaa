package audit

import (
	"context"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"speaksafe/database"
	"speaksafe/dbtest"
)

// toLegacyKeys stores every entry as it was stored before sequences had
// string keys: _id the number itself, no "seq" field.
func toLegacyKeys(t *testing.T, l *Log) {
	t.Helper()
	ctx := context.Background()
	c := l.db.Collection(colEntries)
	cur, err := c.Find(ctx, bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	var docs []bson.D
	if err := cur.All(ctx, &docs); err != nil {
		t.Fatal(err)
	}
	for _, d := range docs {
		var seq int64
		legacy := bson.D{}
		for _, e := range d {
			switch e.Key {
			case "seq":
				seq = e.Value.(int64)
			case "_id":
			default:
				legacy = append(legacy, e)
			}
		}
		legacy = append(bson.D{{Key: "_id", Value: seq}}, legacy...)
		if _, err := c.InsertOne(ctx, legacy); err != nil {
			t.Fatal(err)
		}
		if _, err := c.DeleteOne(ctx, bson.D{{Key: "_id", Value: database.SeqKey(seq)}}); err != nil {
			t.Fatal(err)
		}
	}
}

// A chain stored with numeric keys by an earlier version carries on after
// an upgrade: the next entry follows the last one (no break, no fork), the
// whole chain verifies, and the entries about an object are still found.
func TestChainStoredWithNumericKeysCarriesOn(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	ctx := context.Background()
	ring := newKeyring("k1")
	old := New(db, nil, nil, WithKeys(ring.keys(t, "k1")))
	record(t, old, 5)
	if _, err := old.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	toLegacyKeys(t, old)

	upgraded := New(db, nil, nil, WithKeys(ring.keys(t, "k1")))
	if err := upgraded.Record(ctx, Entry{Actor: "u2", Action: "case.viewed", ObjectType: "case", ObjectID: "ca"}); err != nil {
		t.Fatal(err)
	}
	n, err := upgraded.Verify(ctx)
	if err != nil || n != 6 {
		t.Fatalf("verify after the upgrade: %d entries, %v; want 6 and an intact chain", n, err)
	}
	last, err := upgraded.get(ctx, 6)
	if err != nil || last.Action != "case.viewed" {
		t.Fatalf("entry 6: %+v, %v; want the entry appended after the upgrade", last, err)
	}
	about, err := upgraded.ObjectRecords(ctx, "case", "ca")
	if err != nil || len(about) != 2 || about[0].Seq != 1 || about[1].Seq != 6 {
		t.Fatalf("entries about case ca: %+v, %v; want entries 1 and 6", about, err)
	}
	left, err := db.Collection(colEntries).CountDocuments(ctx, bson.D{{Key: "seq", Value: bson.D{{Key: "$exists", Value: false}}}})
	if err != nil || left != 0 {
		t.Fatalf("%d entries still under numeric keys (%v)", left, err)
	}
}
