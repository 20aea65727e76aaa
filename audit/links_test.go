package audit

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"speaksafe/database"
	"speaksafe/dbtest"
)

// objectTypes are the types the object tests read an object under.
var objectTypes = []string{"case", "case_note"}

// objectEntry is the i-th entry of a writer: about one of four cases,
// under one of two types, or about a user with a case's id, or about no
// object at all.
func objectEntry(writer, i int) Entry {
	id := fmt.Sprint("c", i%4)
	e := Entry{Actor: fmt.Sprint("u", writer), Action: fmt.Sprint("case.a", i%3), ObjectType: objectTypes[i%2], ObjectID: id}
	switch i % 5 {
	case 3:
		e.ObjectType = "user"
	case 4:
		e.ObjectType, e.ObjectID = "", ""
	}
	return e
}

func seqsOf(rs []Record) []int64 {
	out := []int64{}
	for _, r := range rs {
		out = append(out, r.Seq)
	}
	return out
}

// assertReadsEqualQueries checks that every read through links answers
// what the filter of the log it replaces answers, for each case, whole and
// paged; and that each case has entries to compare.
func assertReadsEqualQueries(t *testing.T, l *Log, at time.Time) {
	t.Helper()
	ctx := context.Background()
	for c := range 4 {
		id := fmt.Sprint("c", c)
		want, err := l.queryForObject(ctx, objectTypes, id, 0, MaxObjectEntries)
		if err != nil || len(want) < 4 {
			t.Fatalf("%s: the query found %d entries (%v)", id, len(want), err)
		}
		got, err := l.ForObject(ctx, objectTypes, id, 0, 0)
		if err != nil || !slices.Equal(seqsOf(got), seqsOf(want)) {
			t.Errorf("%s: ForObject %v (%v), the query %v", id, seqsOf(got), err, seqsOf(want))
		}
		for after := int64(0); ; {
			page, err := l.ForObject(ctx, objectTypes, id, after, 3)
			qpage, qerr := l.queryForObject(ctx, objectTypes, id, after, 3)
			if err != nil || qerr != nil || !slices.Equal(seqsOf(page), seqsOf(qpage)) {
				t.Fatalf("%s after %d: page %v (%v), the query %v (%v)", id, after, seqsOf(page), err, seqsOf(qpage), qerr)
			}
			if len(page) == 0 {
				break
			}
			after = page[len(page)-1].Seq
		}
		for _, typ := range []string{"case", "case_note", "user"} {
			rs, err := l.ObjectRecords(ctx, typ, id)
			qrs, qerr := l.queryObjectRecords(ctx, typ, id)
			if err != nil || qerr != nil || !slices.Equal(seqsOf(rs), seqsOf(qrs)) {
				t.Errorf("%s %s: ObjectRecords %v (%v), the query %v (%v)", typ, id, seqsOf(rs), err, seqsOf(qrs), qerr)
			}
		}
		for _, q := range []Query{
			{ObjectTypes: objectTypes, ObjectID: id},
			{ObjectTypes: []string{"case_note"}, ObjectID: id, After: want[1].Seq},
			{ObjectTypes: objectTypes, ObjectID: id, Actor: "u1", Action: "case.a1"},
			{ObjectTypes: objectTypes, ObjectID: id, From: at.Add(3 * time.Second), To: at.Add(9 * time.Second)},
		} {
			got, err := l.Search(ctx, q, 2)
			qgot, qerr := l.querySearch(ctx, q, 2)
			if err != nil || qerr != nil || !slices.Equal(seqsOf(got), seqsOf(qgot)) {
				t.Errorf("%s: Search %+v: %v (%v), the query %v (%v)", id, q, seqsOf(got), err, seqsOf(qgot), qerr)
			}
		}
	}
}

func TestObjectReadsThroughLinksEqualTheQueriesWithTwoWriters(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	ctx := context.Background()
	ring := newKeyring("k1")
	clock := newClock()
	start := clock.Now()
	logs := []*Log{New(db, nil, clock.Now, WithKeys(ring.keys(t, "k1"))), New(db, nil, clock.Now, WithKeys(ring.keys(t, "k1")))}
	var wg sync.WaitGroup
	for w, l := range logs {
		wg.Go(func() {
			for i := range 30 {
				if err := l.Record(ctx, objectEntry(w, i)); err != nil {
					t.Errorf("record: %v", err)
				}
				if w == 0 {
					clock.Advance(time.Second)
				}
			}
		})
	}
	wg.Wait()
	// Both writers linked every entry they wrote: no check has run. The
	// writers read with what they know of the links, a third instance
	// with nothing.
	assertReadsEqualQueries(t, logs[0], start)
	assertReadsEqualQueries(t, logs[1], start)
	assertReadsEqualQueries(t, New(db, nil, clock.Now), start)
	// The monitor's walk finds every entry linked and adds nothing.
	before := linkCount(t, logs[0])
	if st := NewMonitor(logs[1], nil, nil).Check(ctx); !st.OK {
		t.Fatalf("chain: %+v", st.Problems)
	}
	if after := linkCount(t, logs[0]); after != before {
		t.Errorf("the check added %d links to a log whose entries were all linked", after-before)
	}
}

// An entry marked New skips the read of its object's links. Whether the
// guess is right (nothing names the object yet) or wrong (another writer,
// or this one, linked entries to it before), every entry is linked: the
// reads through links equal the queries.
func TestEntriesOfObjectsMarkedNewAreLinkedWhetherOrNotTheyAre(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	ctx := context.Background()
	clock := newClock()
	start := clock.Now()
	logs := []*Log{New(db, nil, clock.Now), New(db, nil, clock.Now)}
	var wg sync.WaitGroup
	for w, l := range logs {
		wg.Go(func() {
			for i := range 30 {
				e := objectEntry(w, i)
				e.New = i%2 == 0 // right for each object's first entry, wrong for most
				if err := l.Record(ctx, e); err != nil {
					t.Errorf("record: %v", err)
				}
				if w == 0 {
					clock.Advance(time.Second)
				}
			}
		})
	}
	wg.Wait()
	// A third instance knows nothing of the links and guesses wrong too.
	late := New(db, nil, clock.Now)
	for i := range 4 {
		if err := late.Record(ctx, Entry{Actor: "u9", Action: "case.a0", ObjectType: "case", ObjectID: fmt.Sprint("c", i), New: true}); err != nil {
			t.Fatal(err)
		}
	}
	assertReadsEqualQueries(t, logs[0], start)
	assertReadsEqualQueries(t, late, start)
	assertReadsEqualQueries(t, New(db, nil, clock.Now), start)
	before := linkCount(t, logs[0])
	if st := NewMonitor(logs[1], nil, nil).Check(ctx); !st.OK {
		t.Fatalf("chain: %+v", st.Problems)
	}
	if after := linkCount(t, logs[0]); after != before {
		t.Errorf("the check added %d links: entries marked New were left unlinked", after-before)
	}
}

func TestAnEntryWhoseLinkWasLostAppearsAfterTheMonitorsNextCheck(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	ctx := context.Background()
	clock := newClock()
	l := New(db, nil, clock.Now)
	m := NewMonitor(l, nil, nil)
	for i := range 20 {
		if err := l.Record(ctx, objectEntry(0, i)); err != nil {
			t.Fatal(err)
		}
	}
	m.Check(ctx)
	// Another instance stops between an entry and its link.
	dead := New(db, nil, clock.Now)
	if err := dead.Record(ctx, Entry{Actor: "u1", Action: "case.a0", ObjectType: "case", ObjectID: "c1"}); err != nil {
		t.Fatal(err)
	}
	lost := dead.headSeq()
	last, err := database.ChainLast(ctx, db.Collection(colLinks), linkKey("case", "c1"), 0)
	if err != nil {
		t.Fatal(err)
	}
	res, err := db.Collection(colLinks).DeleteOne(ctx, bson.D{{Key: "_id", Value: database.ChainSlot(linkKey("case", "c1"), last-1)}})
	if err != nil || res.DeletedCount != 1 {
		t.Fatalf("delete the link: %v %v", res, err)
	}
	got, err := l.ForObject(ctx, objectTypes, "c1", 0, 0)
	if err != nil || slices.Contains(seqsOf(got), lost) {
		t.Fatalf("entry %d is read without its link: %v %v", lost, seqsOf(got), err)
	}
	// The living instance appends after it, into the free slot.
	for i := 20; i < 30; i++ {
		if err := l.Record(ctx, objectEntry(1, i)); err != nil {
			t.Fatal(err)
		}
	}
	if st := m.Check(ctx); !st.OK {
		t.Fatalf("chain: %+v", st.Problems)
	}
	got, err = l.ForObject(ctx, objectTypes, "c1", 0, 0)
	if err != nil || !slices.Contains(seqsOf(got), lost) {
		t.Fatalf("entry %d is missing after the check: %v %v", lost, seqsOf(got), err)
	}
	assertReadsEqualQueries(t, l, clock.Now())
	assertReadsEqualQueries(t, New(db, nil, clock.Now), clock.Now())
}

func TestEntriesFromBeforeLinksAreBackfilledOnceByTwoInstancesAtOnce(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	ctx := context.Background()
	ring := newKeyring("k1")
	clock := newClock()
	start := clock.Now()
	l := New(db, nil, clock.Now, WithKeys(ring.keys(t, "k1")))
	for i := range 40 {
		if err := l.Record(ctx, objectEntry(i%2, i)); err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Second / 2)
	}
	// The log as it was before links existed.
	if err := db.Collection(colLinks).Drop(ctx); err != nil {
		t.Fatal(err)
	}
	l = New(db, nil, clock.Now, WithKeys(ring.keys(t, "k1"))) // the instance that starts
	if got, err := l.ForObject(ctx, objectTypes, "c1", 0, 0); err != nil || len(got) != 0 {
		t.Fatalf("read %v (%v) with no links", seqsOf(got), err)
	}
	// Two instances start at once; each monitor's first walk backfills.
	var wg sync.WaitGroup
	for range 2 {
		m := NewMonitor(New(db, nil, clock.Now, WithKeys(ring.keys(t, "k1"))), nil, nil)
		wg.Go(func() {
			if st := m.Check(ctx); !st.OK {
				t.Errorf("chain: %+v", st.Problems)
			}
		})
	}
	wg.Wait()
	assertReadsEqualQueries(t, l, start)
	// Backfilling again adds nothing.
	before := linkCount(t, l)
	NewMonitor(New(db, nil, clock.Now, WithKeys(ring.keys(t, "k1"))), nil, nil).Check(ctx)
	if after := linkCount(t, l); after != before {
		t.Errorf("a second backfill added %d links", after-before)
	}
	assertReadsEqualQueries(t, l, start)
}

func linkCount(t *testing.T, l *Log) int64 {
	t.Helper()
	n, err := l.db.Collection(colLinks).CountDocuments(context.Background(), bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	return n
}
