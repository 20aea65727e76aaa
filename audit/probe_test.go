package audit

import (
	"context"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"speaksafe/dbtest"
)

// directReads is WithDirectReader over the embedded test store; the test
// is skipped against another store, which has no direct reads.
func directReads(t *testing.T) Option {
	t.Helper()
	e := dbtest.Embedded(t)
	if e == nil {
		t.Skip("direct reads are the embedded store's")
	}
	return WithDirectReader(e)
}

// A head rewritten in place (same position, another hash) is found by the
// next append that checks it by direct read: a break entry opens a new
// segment, naming the position the writer expected.
func TestRewrittenHeadIsFoundByTheDirectCheck(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := dbtest.New(t)
	l := New(db, nil, nil, WithKeys(newKeyring("k1").keys(t, "k1")), directReads(t))
	record(t, l, 3)
	// The check is the direct read itself, not its fallback.
	first, err := l.get(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if h, ok, err := l.direct.FieldByIntID(ctx, db.Name(), colEntries, 1, "hash"); err != nil || !ok || h != first.Hash {
		t.Fatalf("direct read of entry 1: %q %v %v, want %q", h, ok, err, first.Hash)
	}
	if _, err := db.Collection(colEntries).UpdateOne(ctx, bson.D{{Key: "_id", Value: int64(3)}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "hash", Value: genesis}}}}); err != nil {
		t.Fatal(err)
	}
	if err := l.Record(ctx, Entry{Actor: "u2", Action: "case.opened", ObjectType: "case", ObjectID: "x"}); err != nil {
		t.Fatal(err)
	}
	recs, err := l.Entries(ctx, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 5 || recs[3].Action != ActionBreak || recs[3].Detail["expectedSeq"] != "3" || recs[4].Action != "case.opened" {
		t.Fatalf("got %d entries %+v, want 3, a break expecting 3, the new entry", len(recs), recs)
	}
}
