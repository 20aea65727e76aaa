package reports

import (
	"context"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
)

func (e *env) secondInstance(t *testing.T) *Store {
	t.Helper()
	other, err := NewStore(e.db, Config{
		Keys: e.keys, Argon2: Argon2Params{Time: 1, MemoryKiB: 64, Threads: 1, MaxConcurrent: 4},
		Alerter: e.alerter, Forces: fakeForces{"AB": forceA, "CD": forceB}, Audit: e.audit, Limiter: e.limiter,
		Handlers: fakeHandlers{"officer-a": forceA}, Now: e.clock.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	return other
}

func queueOf(t *testing.T, s *Store) []CaseSummary {
	t.Helper()
	page, err := s.Queue(officerA(), QueueFilter{Limit: MaxQueueLimit})
	if err != nil {
		t.Fatal(err)
	}
	return page.Cases
}

// An instance that has served the queue already follows every change
// another instance makes after it: new reports, a closing, an alert nobody
// took and its acknowledgement.
func TestAnInstancesQueueFollowsAnotherInstancesChanges(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	other := e.secondInstance(t)
	if got := queueOf(t, other); len(got) != 0 {
		t.Fatalf("empty store: %d cases in the queue", len(got))
	}
	a, b := e.submit(t, routine("first")), e.submit(t, routine("second"))
	urgent := e.submit(t, urgentReport("he is outside"))
	if got := queueOf(t, other); len(got) != 3 {
		t.Fatalf("after three reports on the first instance the second lists %d", len(got))
	}
	if _, err := e.store.SetStatus(officerA(), a.CaseID, StatusChange{Status: StatusClosed, Disposition: DispositionAdviceGiven}); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := e.store.SetAlertState(ctx, b.CaseID, AlertUnacknowledged, e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	got := queueOf(t, other)
	if len(got) != 2 || got[0].ID != b.CaseID || got[0].AlertState != AlertUnacknowledged {
		t.Fatalf("second instance: %+v; want the unacknowledged case first, then the urgent one, the closed one gone", got)
	}
	if err := e.store.SetAlertState(ctx, b.CaseID, AlertAcknowledged, e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	if got := queueOf(t, other); got[0].ID != urgent.CaseID || got[1].AlertState == AlertUnacknowledged {
		t.Errorf("after the acknowledgement: %+v; want the urgent case first again", got)
	}
	// A third instance starting now builds the same queue.
	if got := queueOf(t, e.secondInstance(t)); len(got) != 2 || got[0].ID != urgent.CaseID {
		t.Errorf("a new instance lists %+v", got)
	}
}

// An instance far behind the change sequence (here after a bulk load by
// another) reads the queue again whole and lists every case; its own next
// change lands after the others'.
func TestAnInstanceFarBehindCatchesUp(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	other := e.secondInstance(t)
	queueOf(t, other)
	seeded := make([]SeedCase, replayAtMost+30)
	for i := range seeded {
		seeded[i] = SeedCase{Report: routine("seeded"), At: e.clock.Now()}
	}
	if err := e.store.Seed(context.Background(), seeded); err != nil {
		t.Fatal(err)
	}
	if got := queueOf(t, other); len(got) != len(seeded) {
		t.Fatalf("after a bulk load elsewhere: %d cases listed, want %d", len(got), len(seeded))
	}
	if _, err := other.Submit(context.Background(), newKey(), routine("one more")); err != nil {
		t.Fatal(err)
	}
	page, err := e.store.Queue(officerA(), QueueFilter{Limit: MaxQueueLimit})
	if err != nil {
		t.Fatal(err)
	}
	n := len(page.Cases)
	for page.NextCursor != "" {
		if page, err = e.store.Queue(officerA(), QueueFilter{Limit: MaxQueueLimit, Cursor: page.NextCursor}); err != nil {
			t.Fatal(err)
		}
		n += len(page.Cases)
	}
	if n != len(seeded)+1 {
		t.Errorf("the loading instance lists %d cases, want %d", n, len(seeded)+1)
	}
}

// A change that was never recorded (its writer died between writing the
// entry and recording the change) is missed by an instance that has its
// copy, but only until the copy is rebuilt: the first read at least
// rebuildEvery after the copy was built has it read again in the
// background, and the reads after that list the case.
func TestAnUnrecordedQueueChangeIsPickedUpByTheRebuild(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	other := e.secondInstance(t)
	queueOf(t, other)
	lost := e.submit(t, routine("its change was lost"))
	queueOf(t, other)
	other.queue.mu.Lock()
	other.queue.setEntry(lost.CaseID, nil) // as if the change had not been recorded
	other.queue.mu.Unlock()
	if got := queueOf(t, other); len(got) != 0 {
		t.Fatalf("the copy should still miss the case before the rebuild: %+v", got)
	}
	e.clock.Advance(rebuildEvery)
	if got := queueOf(t, other); len(got) != 0 { // answered from the copy, which is rebuilt after
		t.Fatalf("the read that finds the copy old answers from it: %+v", got)
	}
	other.queue.rebuilds.Wait()
	if got := queueOf(t, other); len(got) != 1 || got[0].ID != lost.CaseID {
		t.Errorf("after %s the queue lists %+v, want the case", rebuildEvery, got)
	}
}

// An urgent case's alert reads as open from the moment it is listed: its
// alert was opened before the case was stored, and the engine records only
// what comes after (overdue, unacknowledged, acknowledged). A routine case
// has no alert state.
func TestAnUrgentCasesAlertReadsOpenUntilTheEngineRecordsMore(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	routineCase, urgent := e.submit(t, routine("first")), e.submit(t, urgentReport("he is outside"))
	states := func() map[string]AlertState {
		out := map[string]AlertState{}
		for _, c := range queueOf(t, e.store) {
			out[c.ID] = c.AlertState
		}
		return out
	}
	if got := states(); got[urgent.CaseID] != AlertOpen || got[routineCase.CaseID] != "" {
		t.Fatalf("urgent %q, routine %q; want open and none", got[urgent.CaseID], got[routineCase.CaseID])
	}
	if err := e.store.SetAlertState(context.Background(), urgent.CaseID, AlertOverdue, e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	if got := states()[urgent.CaseID]; got != AlertOverdue {
		t.Errorf("after escalating: %q, want overdue", got)
	}
}

// An instance's copy of the queue takes its own new reports as it writes
// them (no read back at the next catch-up); another instance's reports
// still reach it through the change sequence.
func TestAnInstancesOwnNewReportsEnterItsQueueCopyWithoutReads(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	queueOf(t, e.store) // builds the copy
	var ids []string
	for _, r := range []Report{routine("first"), urgentReport("he is outside"), routine("second")} {
		ids = append(ids, e.submit(t, r).CaseID)
	}
	v := &e.store.queue
	v.mu.Lock()
	head, known := v.head, v.known.Load()
	_, has0 := v.entries[ids[0]]
	_, has1 := v.entries[ids[1]]
	_, has2 := v.entries[ids[2]]
	v.mu.Unlock()
	if head != known || !has0 || !has1 || !has2 {
		t.Fatalf("copy at change %d of %d, holding the new cases %v %v %v; want all three, at the newest change", head, known, has0, has1, has2)
	}
	other := e.secondInstance(t)
	e.submit(t, routine("elsewhere")) // advances the sequence past the copy
	theirs, err := other.Submit(context.Background(), "queue-copy-other-instance-1", routine("theirs"))
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, c := range queueOf(t, e.store) {
		found = found || c.ID == theirs.CaseID
	}
	if !found {
		t.Error("another instance's report is missing from the queue")
	}
}

// The background rebuild reads every entry however many batches they take,
// and puts back whatever the copy had lost.
func TestABackgroundRebuildReadsEveryEntryInBatches(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	seeded := make([]SeedCase, 2*rebuildBatch+50)
	for i := range seeded {
		seeded[i] = SeedCase{Report: routine("seeded"), At: e.clock.Now()}
	}
	if err := e.store.Seed(context.Background(), seeded); err != nil {
		t.Fatal(err)
	}
	queueOf(t, e.store)
	v := &e.store.queue
	v.mu.Lock()
	for id := range v.entries {
		v.setEntry(id, nil) // as if every change had been lost
	}
	v.mu.Unlock()
	e.clock.Advance(rebuildEvery)
	queueOf(t, e.store) // finds the copy old: the rebuild starts
	v.rebuilds.Wait()
	v.mu.Lock()
	n := len(v.entries)
	v.mu.Unlock()
	if n != len(seeded) {
		t.Errorf("after the rebuild the copy holds %d entries, want %d", n, len(seeded))
	}
}

// Own changes that could not be applied as they were written (a read held
// the copy) are applied at the next catch-up from what was written, not
// read back: here their entries are gone from the store, and the copy
// still lists them.
func TestOwnChangesHeldUpByAReadAreAppliedWithoutReadingThemBack(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	queueOf(t, e.store)
	v := &e.store.queue
	v.mu.Lock() // a read holds the copy while three reports come in
	var ids []string
	for _, r := range []Report{routine("first"), urgentReport("he is outside"), routine("second")} {
		ids = append(ids, e.submit(t, r).CaseID)
	}
	behind := v.head < v.known.Load()
	v.mu.Unlock()
	if !behind {
		t.Fatal("the copy took the changes while a read held it")
	}
	for _, id := range ids {
		if _, err := e.db.Collection(collQueue).DeleteOne(context.Background(), bson.D{{Key: "_id", Value: id}}); err != nil {
			t.Fatal(err)
		}
	}
	listed := map[string]bool{}
	for _, c := range queueOf(t, e.store) {
		listed[c.ID] = true
	}
	for _, id := range ids {
		if !listed[id] {
			t.Errorf("case %s was read back instead of applied from what this instance wrote", id)
		}
	}
}
