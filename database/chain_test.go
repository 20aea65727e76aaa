package database_test

import (
	"context"
	"slices"
	"sync"
	"testing"

	"speaksafe/database"
	"speaksafe/dbtest"
)

type slot struct {
	ID  string `bson:"_id"`
	Seq int64  `bson:"seq"`
}

// Writers starting from a stale hint, from the exact free slot and from a
// searched one all land in distinct slots; ChainLast finds the end from
// any slot known taken, and ChainReadFrom reads on from any slot.
func TestChainAppendAtFromHintsKeepsOneEntryPerSlot(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	ctx := context.Background()
	coll := db.Collection("things") // declared for database's own tests
	entry := func(seq int64) func(string) slot { return func(id string) slot { return slot{ID: id, Seq: seq} } }
	var wg sync.WaitGroup
	for w := range 3 {
		wg.Go(func() {
			for i := range 10 {
				seq := int64(w*100 + i)
				from := 0
				if w == 1 {
					var err error
					if from, err = database.ChainLast(ctx, coll, "k", 0); err != nil {
						t.Error(err)
						return
					}
				}
				if _, ok, err := database.ChainAppendAt(ctx, coll, "k", from, 1000, entry(seq),
					func(s slot) bool { return s.Seq == seq }); err != nil || !ok {
					t.Errorf("append %d: %v %v", seq, ok, err)
				}
			}
		})
	}
	wg.Wait()
	all, err := database.ChainRead[slot](ctx, coll, "k", 1000)
	if err != nil || len(all) != 30 {
		t.Fatalf("%d slots (%v), want 30", len(all), err)
	}
	seqs := []int64{}
	for _, s := range all {
		seqs = append(seqs, s.Seq)
	}
	slices.Sort(seqs)
	if len(slices.Compact(seqs)) != 30 {
		t.Errorf("an entry was stored twice or lost: %v", seqs)
	}
	for _, known := range []int{0, 1, 7, 29, 30} {
		if n, err := database.ChainLast(ctx, coll, "k", known); err != nil || n != 30 {
			t.Errorf("ChainLast from %d: %d %v, want 30", known, n, err)
		}
		rest, err := database.ChainReadFrom[slot](ctx, coll, "k", known, 1000)
		if err != nil || !slices.Equal(rest, all[known:]) {
			t.Errorf("ChainReadFrom %d: %d slots (%v), want %d", known, len(rest), err, 30-known)
		}
	}
	// An entry already held from the hint on is not stored again.
	n, ok, err := database.ChainAppendAt(ctx, coll, "k", 20, 1000, entry(all[25].Seq),
		func(s slot) bool { return s.Seq == all[25].Seq })
	if err != nil || !ok || n != 25 {
		t.Errorf("append of a held entry: slot %d %v %v, want 25", n, ok, err)
	}
	if n, _ := database.ChainLast(ctx, coll, "k", 0); n != 30 {
		t.Errorf("%d slots after appending a held entry, want 30", n)
	}
	if n, err := database.ChainLast(ctx, coll, "none", 0); err != nil || n != 0 {
		t.Errorf("ChainLast of an empty chain: %d %v", n, err)
	}
}
