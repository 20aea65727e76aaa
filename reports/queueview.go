package reports

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"speaksafe/database"
	"speaksafe/errkind"
)

// The open queue is served from a copy of every open case's queue entry
// and unacknowledged marker that each instance keeps in memory, so that a
// queue page reads O(page) from the store on every engine (the embedded
// store would otherwise scan the entries of all forces for each page).
//
// The copy is kept fresh by the queue's change sequence: every write of an
// entry or a marker (and of a closed case, its deletion, and a bulk load,
// for the figures' copy: factview.go) is followed by the insert of a
// change document naming the case, numbered 1, 2, 3 … and claimed by the
// insert itself (a duplicate _id
// fails atomically on every store, so the sequence has no gaps and no
// number twice, with any number of instances). Before each queue read an
// instance reads the changes after the last one it applied, each by _id,
// and reads the named cases' entry and marker again by _id: whatever order
// writes and changes land in, a case is re-read after its last change, so
// the copy is at least as new as every change it has seen. The newest
// change is found from the last one known in O(log distance) reads; an
// instance more than replayAtMost changes behind reads every entry and
// marker again instead of replaying them.
//
// A change's _id is its number as a string (database.SeqKey): the
// embedded store looks a document up by _id only for a string (or object
// id) _id, and reads the whole collection for a number, which would make
// every step of the search a scan of the sequence.
const collQueueChanges = "case_changes"

// changeID is the _id of change seq.
func changeID(seq int64) string { return database.SeqKey(seq) }

// replayAtMost is how many changes a queue read applies one by one; an
// instance further behind (after a bulk load, or one that serves the
// queue rarely) reads every entry and marker again instead.
const replayAtMost = 64

// rebuildEvery is how old a copy may grow before a queue read has it
// built again from the entries and markers themselves, in the background.
// A change is written after the entry it names, so a process that dies
// between the two leaves that change unrecorded; the rebuild bounds how
// long any instance can miss it.
const rebuildEvery = 2 * time.Minute

type queueChange struct {
	ID     string `bson:"_id"` // changeID(Seq)
	Seq    int64  `bson:"seq"`
	CaseID string `bson:"caseId"`
}

// queueView is this instance's copy of the open queue.
type queueView struct {
	mu      sync.Mutex
	built   bool
	builtAt time.Time // by the store's clock
	head    int64     // the last change applied
	// known is the newest change this instance knows exists; atomic, so
	// that writers never wait for a queue read's catch-up.
	known   atomic.Int64
	entries map[string]queueEntry
	order   map[string]forceOrder // force id → its open entries in order (queuesorted.go)
	unacked map[string]string     // case id → force id
	// rebuilding is set while a background rebuild runs; rebuilds counts
	// them, so that tests can wait for one.
	rebuilding atomic.Bool
	rebuilds   sync.WaitGroup
	claims     database.ClaimLocks // turns of this process's change claims
	// own holds the changes this instance wrote with the state they name
	// (takeOwn) and has not applied yet, by number: a catch-up applies
	// them without reads. Guarded by ownMu, never held while reading.
	ownMu sync.Mutex
	own   map[int64]queueRead
}

// maxOwn bounds the own changes kept for a catch-up; past it they are
// dropped and read back like any other.
const maxOwn = 20_000

// queueChanged appends a change naming case caseID, after its entry or
// marker was written. It claims the number after the newest it knows; when
// others took that one, the next ones in turn (each failed insert costs
// what a read would, so a writer behind others catches up with them
// rather than searching again behind each new change), searching again
// only after several. Writers in this process take turns
// (database.ClaimLocks), so they do not collide with each other.
func (s *Store) queueChanged(ctx context.Context, caseID string) error {
	return s.queueChangedWith(ctx, caseID, nil)
}

// queueChangedWith is queueChanged for a writer that knows the entry the
// change names is own, the first entry of a case not stored yet (no
// marker, nobody else writing it): this instance's copy takes it with the
// change (takeOwn) instead of reading it back at its next catch-up.
func (s *Store) queueChangedWith(ctx context.Context, caseID string, own *queueEntry) error {
	v := &s.queue
	unlock, err := v.claims.Lock(ctx, collQueueChanges)
	if err != nil {
		return dbErr("append queue change", err)
	}
	defer unlock()
	// The newest change this instance knows of is most often the newest
	// there is: its next number is tried without a search (a taken one
	// costs what a read would). An instance that knows none searches.
	last := v.known.Load()
	if last == 0 {
		if last, err = s.lastChange(ctx, 0); err != nil {
			return err
		}
		v.sawChange(last)
	}
	n := last + 1
	for attempt := 1; attempt <= maxQueueClaims; attempt++ {
		_, err := s.coll(collQueueChanges).InsertOne(ctx, queueChange{ID: changeID(n), Seq: n, CaseID: caseID})
		if err == nil {
			v.sawChange(n)
			if own != nil {
				v.takeOwn(queueRead{seq: n, id: caseID, entry: own})
			}
			return nil
		}
		if !database.IsDuplicateKey(err) {
			return dbErr("append queue change", err)
		}
		if attempt%searchAgainAfter != 0 {
			n++
			continue
		}
		if last, err = s.lastChange(ctx, n); err != nil {
			return err
		}
		n = last + 1
	}
	return fmt.Errorf("reports: queue change: too much contention: %w", errkind.Conflict)
}

// Claims of a queue change: how many inserts at most, and after how many
// taken numbers in a row the newest is searched for again.
const (
	maxQueueClaims   = 400
	searchAgainAfter = 8
)

// sawChange records that change n exists, so that this instance's next
// search starts there.
func (v *queueView) sawChange(n int64) {
	for {
		k := v.known.Load()
		if n <= k || v.known.CompareAndSwap(k, n) {
			return
		}
	}
}

// lastChange returns the newest change, searching from known (a change
// that exists, or 0): the sequence has no gaps, so doubling steps and then
// halving find it in O(log distance) reads by _id.
func (s *Store) lastChange(ctx context.Context, known int64) (int64, error) {
	return database.LastTaken(known, func(n int64) (bool, error) { return s.changeExists(ctx, n) })
}

func (s *Store) changeExists(ctx context.Context, seq int64) (bool, error) {
	err := s.coll(collQueueChanges).FindOne(ctx, bson.D{{Key: "_id", Value: changeID(seq)}},
		options.FindOne().SetProjection(bson.D{{Key: "_id", Value: 1}})).Err()
	if database.IsNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, dbErr("read queue change", err)
	}
	return true, nil
}

// queueSync brings the copy up to the newest change, building it first
// when this instance has none, or again when it is far behind. It holds
// the lock while it reads: concurrent queue reads wait for one catch-up
// rather than each doing it again. A copy older than rebuildEvery is read
// again in the background (queuerebuild.go), after this read.
func (s *Store) queueSync(ctx context.Context) error {
	v := &s.queue
	v.mu.Lock()
	defer v.mu.Unlock()
	last, err := s.lastChange(ctx, max(v.head, v.known.Load()))
	if err != nil {
		return err
	}
	v.sawChange(last)
	if !v.built || last-v.head-v.ownIn(v.head, last) > replayAtMost {
		return s.buildQueueView(ctx)
	}
	for seq := v.head + 1; seq <= last; seq++ {
		if v.applyOwn(seq) {
			continue
		}
		c, err := database.FindByID[queueChange](ctx, s.coll(collQueueChanges), changeID(seq), errNotStored)
		if err != nil {
			return dbErr("read queue change", err)
		}
		r, err := s.readQueueCase(ctx, c)
		if err != nil {
			return err
		}
		v.apply(r)
	}
	if s.now().Sub(v.builtAt) >= rebuildEvery {
		s.rebuildQueueAside(ctx)
	}
	return nil
}

// queueRead is one case's entry and marker, read after change seq.
type queueRead struct {
	seq    int64
	id     string
	entry  *queueEntry
	marker *unackedDoc
}

// takeOwn keeps change r, which this instance just wrote with the state it
// names, for the copy, and applies it (with any kept after it) when it is
// the copy's next change and no read holds the copy; otherwise the next
// catch-up applies it without reading it back. Applied in order, the copy
// is what replaying the sequence would make it: one instance taking
// reports keeps its copy current, and its catch-ups read only the changes
// of others.
func (v *queueView) takeOwn(r queueRead) {
	v.ownMu.Lock()
	if v.own == nil || len(v.own) >= maxOwn {
		v.own = map[int64]queueRead{}
	}
	v.own[r.seq] = r
	v.ownMu.Unlock()
	if !v.mu.TryLock() {
		return
	}
	defer v.mu.Unlock()
	if v.built {
		for v.applyOwn(v.head + 1) {
		}
	}
}

// applyOwn applies own change seq if this instance kept it and its case has
// no marker (an own change names a new case's first entry, which has
// none); the caller holds v.mu.
func (v *queueView) applyOwn(seq int64) bool {
	v.ownMu.Lock()
	r, ok := v.own[seq]
	delete(v.own, seq)
	v.ownMu.Unlock()
	if !ok {
		return false
	}
	if _, marked := v.unacked[r.id]; marked {
		return false
	}
	v.apply(r)
	return true
}

// ownIn counts the own changes kept after head up to last, and drops the
// kept ones at or below head (applied or read back already).
func (v *queueView) ownIn(head, last int64) int64 {
	v.ownMu.Lock()
	defer v.ownMu.Unlock()
	var n int64
	for seq := range v.own {
		if seq > head && seq <= last {
			n++
		} else if seq <= head {
			delete(v.own, seq)
		}
	}
	return n
}

// apply puts r in the copy; the caller holds v.mu.
func (v *queueView) apply(r queueRead) {
	v.setEntry(r.id, r.entry)
	if r.marker != nil {
		v.unacked[r.id] = r.marker.ForceID
	} else {
		delete(v.unacked, r.id)
	}
	v.head = r.seq
}

// buildQueueView reads every entry and marker (at this instance's first
// queue read, or when it is far behind): the newest change first, so that
// every write after the reads is among the changes read next. The caller
// holds v.mu.
func (s *Store) buildQueueView(ctx context.Context) error {
	snap, err := s.readQueueSnapshot(ctx, s.queue.head, false)
	if err != nil {
		return err
	}
	s.queue.install(snap, s.now())
	return nil
}

func (s *Store) readAll(ctx context.Context, coll string, out any) error {
	cur, err := s.coll(coll).Find(ctx, bson.D{})
	if err != nil {
		return dbErr("read "+coll, err)
	}
	if err := cur.All(ctx, out); err != nil {
		return dbErr("read "+coll, err)
	}
	return nil
}

// readQueueCase reads the entry and marker of the case change c names.
func (s *Store) readQueueCase(ctx context.Context, c queueChange) (queueRead, error) {
	r := queueRead{seq: c.Seq, id: c.CaseID}
	e, err := database.FindByID[queueEntry](ctx, s.coll(collQueue), c.CaseID, errNotStored)
	switch {
	case errors.Is(err, errNotStored):
	case err != nil:
		return r, dbErr("read queue entry", err)
	default:
		r.entry = &e
	}
	m, err := database.FindByID[unackedDoc](ctx, s.coll(collUnacked), c.CaseID, errNotStored)
	switch {
	case errors.Is(err, errNotStored):
	case err != nil:
		return r, dbErr("read unacknowledged marker", err)
	default:
		r.marker = &m
	}
	return r, nil
}

// forceQueue returns copies of force forceID's open entries and the ids
// of its unacknowledged markers, fresh from the change sequence.
func (s *Store) forceQueue(ctx context.Context, forceID string) ([]queueEntry, []string, error) {
	if err := s.queueSync(ctx); err != nil {
		return nil, nil, err
	}
	v := &s.queue
	v.mu.Lock()
	defer v.mu.Unlock()
	o := v.order[forceID]
	entries := make([]queueEntry, 0, len(o))
	for _, k := range o {
		entries = append(entries, v.entries[k.ID])
	}
	return entries, v.markedIn(forceID), nil
}

// markedIn returns the ids of force forceID's unacknowledged markers (a
// few at most: alerts nobody took). The caller holds v.mu.
func (v *queueView) markedIn(forceID string) []string {
	var marked []string
	for id, f := range v.unacked {
		if f == forceID {
			marked = append(marked, id)
		}
	}
	return marked
}

// queueForces returns the forces that have open entries, sorted, fresh
// from the change sequence.
func (s *Store) queueForces(ctx context.Context) ([]string, error) {
	if err := s.queueSync(ctx); err != nil {
		return nil, err
	}
	v := &s.queue
	v.mu.Lock()
	ids := make([]string, 0, len(v.order))
	for id := range v.order {
		ids = append(ids, id)
	}
	v.mu.Unlock()
	slices.Sort(ids)
	return ids, nil
}
