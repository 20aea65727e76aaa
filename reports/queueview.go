package reports

import (
	"context"
	"sync"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"speaksafe/database"
)

// The open queue is served from a copy of every open case's queue entry
// and unacknowledged marker that each instance keeps in memory, so that a
// queue page reads O(page) from the store on every engine (the embedded
// store would otherwise scan the entries of all forces for each page).
//
// The copy is kept fresh by the queue's change sequence: every write of an
// entry or a marker is followed by the insert of a change document naming
// the case, _id 1, 2, 3 … claimed by the insert itself (a duplicate _id
// fails atomically on every store, so the sequence has no gaps and no
// number twice, with any number of instances). Before each queue read an
// instance reads the changes after the last one it applied, each by _id,
// and reads the named cases' entry and marker again by _id: whatever order
// writes and changes land in, a case is re-read after its last change, so
// the copy is at least as new as every change it has seen.
const (
	collQueueChanges = "queue_changes"
	collQueueHead    = "queue_changes_head"
)

// headEvery is how often (in changes) the head hint is brought forward: a
// new instance finds the newest change from the hint by reading forward.
const headEvery = 32

type queueChange struct {
	ID     int64  `bson:"_id"`
	CaseID string `bson:"caseId"`
}

// queueView is this instance's copy of the open queue.
type queueView struct {
	mu      sync.Mutex
	built   bool
	head    int64 // the last change applied
	claimed int64 // the last change this instance wrote
	entries map[string]queueEntry
	unacked map[string]string // case id → force id
}

// queueChanged appends a change naming case caseID, after its entry or
// marker was written.
func (s *Store) queueChanged(ctx context.Context, caseID string) error {
	v := &s.queue
	v.mu.Lock()
	n := max(v.head, v.claimed) + 1
	v.mu.Unlock()
	if n == 1 {
		hint, err := s.queueHint(ctx)
		if err != nil {
			return err
		}
		n = hint + 1
	}
	for {
		_, err := s.coll(collQueueChanges).InsertOne(ctx, queueChange{ID: n, CaseID: caseID})
		if err == nil {
			break
		}
		if !database.IsDuplicateKey(err) {
			return dbErr("append queue change", err)
		}
		n++
	}
	v.mu.Lock()
	v.claimed = max(v.claimed, n)
	v.mu.Unlock()
	if n%headEvery == 0 {
		_, err := s.coll(collQueueHead).UpdateOne(ctx, bson.D{{Key: "_id", Value: "head"}},
			bson.D{{Key: "$max", Value: bson.D{{Key: "seq", Value: n}}}}, options.UpdateOne().SetUpsert(true))
		if err != nil && !database.IsDuplicateKey(err) {
			s.log.WarnContext(ctx, "queue change head hint not saved", "error", err)
		}
	}
	return nil
}

func (s *Store) queueHint(ctx context.Context) (int64, error) {
	var h struct {
		Seq int64 `bson:"seq"`
	}
	err := s.coll(collQueueHead).FindOne(ctx, bson.D{{Key: "_id", Value: "head"}}).Decode(&h)
	if err != nil && !database.IsNotFound(err) {
		return 0, dbErr("read queue change head", err)
	}
	return h.Seq, nil
}

// queueSync brings the copy up to the newest change, building it first
// when this instance has none. The reads run outside the lock, so that
// concurrent queue reads do not wait for each other's store round trips;
// what they read is applied in change order, each change once.
func (s *Store) queueSync(ctx context.Context) error {
	v := &s.queue
	v.mu.Lock()
	if !v.built {
		if err := s.buildQueueView(ctx); err != nil {
			v.mu.Unlock()
			return err
		}
	}
	head := v.head
	v.mu.Unlock()
	var read []queueRead
	for {
		var c queueChange
		err := s.coll(collQueueChanges).FindOne(ctx, bson.D{{Key: "_id", Value: head + 1}}).Decode(&c)
		if database.IsNotFound(err) {
			break
		}
		if err != nil {
			return dbErr("read queue change", err)
		}
		r, err := s.readQueueCase(ctx, c)
		if err != nil {
			return err
		}
		read = append(read, r)
		head = c.ID
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	for _, r := range read {
		if r.seq > v.head {
			v.apply(r)
		}
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

// apply puts r in the copy; the caller holds v.mu.
func (v *queueView) apply(r queueRead) {
	if r.entry != nil {
		v.entries[r.id] = *r.entry
	} else {
		delete(v.entries, r.id)
	}
	if r.marker != nil {
		v.unacked[r.id] = r.marker.ForceID
	} else {
		delete(v.unacked, r.id)
	}
	v.head = r.seq
}

// buildQueueView reads every entry and marker once (this instance's first
// queue read): the newest change first, so that every write after the
// reads is among the changes read next.
func (s *Store) buildQueueView(ctx context.Context) error {
	v := &s.queue
	head, err := s.queueHint(ctx)
	if err != nil {
		return err
	}
	for {
		err := s.coll(collQueueChanges).FindOne(ctx, bson.D{{Key: "_id", Value: head + 1}}).Err()
		if database.IsNotFound(err) {
			break
		}
		if err != nil {
			return dbErr("read queue change", err)
		}
		head++
	}
	var entries []queueEntry
	if err := s.readAll(ctx, collQueue, &entries); err != nil {
		return err
	}
	var markers []unackedDoc
	if err := s.readAll(ctx, collUnacked, &markers); err != nil {
		return err
	}
	v.entries = make(map[string]queueEntry, len(entries))
	for _, e := range entries {
		v.entries[e.ID] = e
	}
	v.unacked = make(map[string]string, len(markers))
	for _, m := range markers {
		v.unacked[m.ID] = m.ForceID
	}
	v.head, v.built = head, true
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
	r := queueRead{seq: c.ID, id: c.CaseID}
	var e queueEntry
	err := s.coll(collQueue).FindOne(ctx, bson.D{{Key: "_id", Value: c.CaseID}}).Decode(&e)
	switch {
	case database.IsNotFound(err):
	case err != nil:
		return r, dbErr("read queue entry", err)
	default:
		r.entry = &e
	}
	var m unackedDoc
	err = s.coll(collUnacked).FindOne(ctx, bson.D{{Key: "_id", Value: c.CaseID}}).Decode(&m)
	switch {
	case database.IsNotFound(err):
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
	var entries []queueEntry
	for _, e := range v.entries {
		if e.ForceID == forceID {
			entries = append(entries, e)
		}
	}
	var marked []string
	for id, f := range v.unacked {
		if f == forceID {
			marked = append(marked, id)
		}
	}
	return entries, marked, nil
}
