package reports

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

func queueIDs(t *testing.T, e *env) map[string]bool {
	t.Helper()
	page, err := e.store.Queue(officerA(), QueueFilter{Limit: MaxQueueLimit})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, c := range page.Cases {
		out[c.ID] = true
	}
	return out
}

// submitConcurrently sends n routine reports at once, spread over stores,
// and returns their case ids.
func submitConcurrently(t *testing.T, stores []*Store, n int) []string {
	t.Helper()
	ids := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sub, err := stores[i%len(stores)].Submit(context.Background(), newKey(), routine(fmt.Sprintf("report %d", i)))
			if err != nil {
				t.Error(err)
				return
			}
			ids[i] = sub.CaseID
		}()
	}
	wg.Wait()
	return ids
}

// wantQueueExactly fails unless the queue lists exactly ids.
func wantQueueExactly(t *testing.T, e *env, ids []string) {
	t.Helper()
	got := queueIDs(t, e)
	for i, id := range ids {
		if !got[id] {
			t.Errorf("report %d (%s) is missing from the queue", i, id)
		}
	}
	if len(got) != len(ids) {
		t.Errorf("queue: got %d cases, want %d", len(got), len(ids))
	}
}

// Reports arriving at once for one force all reach its queue: index updates
// of one force are not lost to each other.
func TestQueueIndexConcurrentReports(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	wantQueueExactly(t, e, submitConcurrently(t, []*Store{e.store}, 20))
}

// Two instances on one database take reports for one force at once: every
// report reaches the queue whichever instance took it (each instance's
// in-process locks protect nothing across processes).
func TestQueueAcrossTwoInstances(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	other, err := NewStore(e.db, Config{
		Keys: e.keys, Argon2: Argon2Params{Time: 1, MemoryKiB: 64, Threads: 1, MaxConcurrent: 4},
		Alerter: e.alerter, Forces: fakeForces{"AB": forceA, "CD": forceB}, Audit: e.audit, Limiter: e.limiter,
		Handlers: fakeHandlers{"officer-a": forceA}, Now: e.clock.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	wantQueueExactly(t, e, submitConcurrently(t, []*Store{e.store, other}, 24))
}

// After a crash between two writes the sweep repairs the index: a case
// that never got stored leaves the queue after the grace period, and a
// stored case whose entry was lost comes back.
func TestQueueIndexRepair(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	ghost := e.submit(t, routine("never stored"))
	lost := e.submit(t, routine("entry lost"))
	closed := e.submit(t, routine("closed, entry left behind"))
	if _, err := e.db.Collection(collCases).DeleteOne(ctx, bson.D{{Key: "_id", Value: ghost.CaseID}}); err != nil {
		t.Fatal(err)
	}
	if err := e.store.dropIndexEntry(ctx, forceA, lost.CaseID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.Collection(collCases).UpdateOne(ctx, bson.D{{Key: "_id", Value: closed.CaseID}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "status", Value: StatusClosed}}}}); err != nil {
		t.Fatal(err)
	}
	fresh := e.submit(t, routine("in flight"))
	if _, err := e.db.Collection(collCases).DeleteOne(ctx, bson.D{{Key: "_id", Value: fresh.CaseID}}); err != nil {
		t.Fatal(err)
	}

	res, err := e.store.Sweep(ctx, e.clock.Now(), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	got := queueIDs(t, e)
	if !got[ghost.CaseID] || !got[fresh.CaseID] || !got[lost.CaseID] || got[closed.CaseID] {
		t.Errorf("within the grace period: got %v; want the ghosts kept, the lost entry back, the closed case gone", got)
	}
	e.clock.Advance(time.Hour) // past the grace period, and the next sweep slot
	res2, err := e.store.Sweep(ctx, e.clock.Now(), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	got = queueIDs(t, e)
	if got[ghost.CaseID] || got[fresh.CaseID] || !got[lost.CaseID] || len(got) != 1 {
		t.Errorf("after the grace period: got %v, want only %s", got, lost.CaseID)
	}
	if res.QueueAdded != 1 || res.QueueRemoved != 1 || res2.QueueRemoved != 2 {
		t.Errorf("repairs: first sweep %+v, second %+v; want 1 added 1 removed, then 2 removed", res, res2)
	}
}

// Retries of one submission write the same new queue entry at once; none
// of them may fail (a failure would answer 500 to a child's report).
func TestQueueEntryConcurrentUpserts(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	d := &caseDoc{ID: "case-upsert-race", ForceID: forceA, Reference: "SS-AAAA-BBBB", Category: CategoryGiftsOrMoney,
		Status: StatusNew, CreatedAt: e.clock.Now()}
	for round := range 6 {
		d.ID = fmt.Sprintf("case-upsert-race-%d", round)
		// Rounds 3 to 5 write a new case's entry (inserted, replaced when
		// there), round 5 over one an earlier attempt left with another
		// category.
		fresh := round >= 3
		if round == 5 {
			stale := entryOf(d)
			stale.Category = CategoryAskedForImages
			if _, err := e.db.Collection(collQueue).InsertOne(context.Background(), stale); err != nil {
				t.Fatal(err)
			}
		}
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if fresh {
					errs <- e.store.indexNewCase(context.Background(), d)
					return
				}
				errs <- e.store.syncIndex(context.Background(), d)
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatalf("round %d: concurrent upsert of one entry: %v", round, err)
			}
		}
		var got queueEntry
		if err := e.db.Collection(collQueue).FindOne(context.Background(), bson.D{{Key: "_id", Value: d.ID}}).Decode(&got); err != nil || got.Category != d.Category {
			t.Errorf("round %d: entry %+v (%v), want the case's category %s", round, got, err, d.Category)
		}
	}
}
