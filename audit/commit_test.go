package audit

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"speaksafe/database"
	"speaksafe/dbtest"
)

// The group commit rests on what an ordered insert does when position k
// is taken: the documents before k are stored, k and the rest are not,
// and the error names k. This checks it on the store the tests run on
// (MongoDB does the same: an ordered insert stops at its first error).
func TestOrderedInsertStopsAtATakenPositionAndKeepsWhatCameBefore(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	coll := dbtest.New(t).Collection("probe")
	if _, err := coll.InsertOne(ctx, bson.D{{Key: "_id", Value: database.SeqKey(3)}, {Key: "by", Value: "other"}}); err != nil {
		t.Fatal(err)
	}
	var docs []any
	for i := int64(1); i <= 5; i++ {
		docs = append(docs, bson.D{{Key: "_id", Value: database.SeqKey(i)}, {Key: "by", Value: "us"}})
	}
	_, err := coll.InsertMany(ctx, docs)
	if !database.IsDuplicateKey(err) {
		t.Fatalf("got %v, want a duplicate key error", err)
	}
	if n, known := storedBefore(err); !known || n != 2 {
		t.Errorf("storedBefore = %d, %v; want 2, true (positions 1 and 2 stored, 3 taken)", n, known)
	}
	for i, want := range []string{"us", "us", "other", "", ""} {
		var d struct {
			By string `bson:"by"`
		}
		err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: database.SeqKey(int64(i + 1))}}).Decode(&d)
		if database.IsNotFound(err) {
			err = nil
		}
		if err != nil || d.By != want {
			t.Errorf("position %d holds %q (%v), want %q", i+1, d.By, err, want)
		}
	}
}

// Many callers of two Logs over one database (two instances under load):
// every entry is stored exactly once, each writer's entries in the order
// its callers were answered, and the chain verifies.
func TestManyConcurrentRecordsFromTwoWritersChainOnceEachInOrder(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	ctx := context.Background()
	ring := newKeyring("k1")
	logs := []*Log{New(db, nil, nil, WithKeys(ring.keys(t, "k1"))), New(db, nil, nil, WithKeys(ring.keys(t, "k1")))}
	const callers, each = 12, 10
	var wg sync.WaitGroup
	for w, l := range logs {
		for c := range callers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				// One caller's entries are sequential: each must land
				// after the one before.
				for i := range each {
					e := Entry{Actor: fmt.Sprintf("w%d.c%d", w, c), Action: "test.write", ObjectType: "case",
						ObjectID: fmt.Sprint("c", (c+i)%5), Detail: map[string]string{"i": strconv.Itoa(i)}}
					if err := l.Record(ctx, e); err != nil {
						t.Errorf("record: %v", err)
						return
					}
				}
			}()
		}
	}
	wg.Wait()
	const total = 2 * callers * each
	n, err := logs[0].Verify(ctx)
	if err != nil || n != total {
		t.Fatalf("got %d chained entries (%v), want %d and an intact chain", n, err, total)
	}
	recs, err := logs[1].Entries(ctx, 0, total+1)
	if err != nil || len(recs) != total {
		t.Fatalf("got %d entries (%v), want %d", len(recs), err, total)
	}
	next := map[string]int{}
	for _, r := range recs {
		i, _ := strconv.Atoi(r.Detail["i"])
		if i != next[r.Actor] {
			t.Fatalf("entry %d: %s's entry %d, want its entry %d: each entry once, in order", r.Seq, r.Actor, i, next[r.Actor])
		}
		next[r.Actor]++
	}
	if len(next) != 2*callers {
		t.Errorf("got entries of %d callers, want %d", len(next), 2*callers)
	}
	// Every entry is reachable through its object's links.
	for o := range 5 {
		got, err := logs[0].ObjectRecords(ctx, "case", fmt.Sprint("c", o))
		if err != nil || len(got) != total/5 {
			t.Errorf("object c%d: %d entries through links (%v), want %d", o, len(got), err, total/5)
		}
	}
}

// A store that cannot be reached refuses every caller of the batch: no
// caller is told its entry is stored.
func TestAStoreErrorReachesEveryCallerOfTheBatch(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	client, err := database.Connect(dbtest.URI(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := client.Disconnect(ctx); err != nil {
		t.Fatal(err)
	}
	l := New(client.Database(dbtest.NewName(t)), nil, nil)
	errs := make([]error, 8)
	var wg sync.WaitGroup
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = l.Record(ctx, Entry{Actor: "u1", Action: "case.viewed", ObjectType: "case", ObjectID: "c1"})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err == nil {
			t.Errorf("caller %d: Record answered nil with the store unreachable", i)
		}
	}
}

// An entry recorded with RecordStored is answered once stored, and found
// through its object at once by this process: a link read waits for the
// links of the batch still being written.
func TestAnEntryAnsweredWhenStoredIsFoundThroughItsObjectAtOnce(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	ctx := context.Background()
	l := New(db, nil, nil, WithKeys(newKeyring("k1").keys(t, "k1")))
	const callers = 24
	var wg sync.WaitGroup
	for c := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := fmt.Sprint("stored-", c)
			// Plain entries in the same batches, answered after the links.
			if err := l.Record(ctx, Entry{Actor: "u", Action: "case.opened", ObjectType: "case", ObjectID: id}); err != nil {
				t.Errorf("record: %v", err)
				return
			}
			if err := l.RecordStored(ctx, Entry{Actor: "reporter", Action: "case.created", ObjectType: "case", ObjectID: id}); err != nil {
				t.Errorf("record stored: %v", err)
				return
			}
			found, err := l.Recorded(ctx, "case", id, "case.created")
			if err != nil || !found {
				t.Errorf("%s: case.created found through its links: %v (%v), want true", id, found, err)
			}
		}()
	}
	wg.Wait()
	if n, err := l.Verify(ctx); err != nil || n != 2*callers {
		t.Fatalf("got %d chained entries (%v), want %d and an intact chain", n, err, 2*callers)
	}
}
