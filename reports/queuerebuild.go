package reports

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// queueRebuildBudget bounds one background rebuild of the queue's copy.
const queueRebuildBudget = 2 * time.Minute

// queueSnapshot is every entry and marker, read after change head.
type queueSnapshot struct {
	head    int64
	entries []queueEntry
	markers []unackedDoc
}

// readQueueSnapshot reads every entry and marker: the newest change first
// (searched from known), so that every write after the reads is among the
// changes after head. It reads whole collections: at an instance's first
// queue read, when it is far behind, and in the background rebuild, which
// reads the entries paced (readPaced).
func (s *Store) readQueueSnapshot(ctx context.Context, known int64, paced bool) (queueSnapshot, error) {
	var snap queueSnapshot
	var err error
	if snap.head, err = s.lastChange(ctx, known); err != nil {
		return snap, err
	}
	if paced {
		err = readPaced(ctx, s.coll(collQueue), &snap.entries)
	} else {
		err = s.readAll(ctx, collQueue, &snap.entries)
	}
	if err != nil {
		return snap, err
	}
	if err := s.readAll(ctx, collUnacked, &snap.markers); err != nil {
		return snap, err
	}
	return snap, nil
}

// Pacing of the background rebuild's read of every queue entry: batches of
// rebuildBatch, rebuildPause apart. Read at once, ten thousand entries held
// every request up for a moment every rebuildEvery (the urgent page's p99
// rose to 300 ms in that second); paced, the store serves them between
// other commands. A caller waits for none of it.
const (
	rebuildBatch = 200
	rebuildPause = 40 * time.Millisecond
)

// readPaced reads every document of coll into out, rebuildBatch at a time.
func readPaced[T any](ctx context.Context, coll *mongo.Collection, out *[]T) error {
	cur, err := coll.Find(ctx, bson.D{}, options.Find().SetBatchSize(rebuildBatch))
	if err != nil {
		return dbErr("read "+coll.Name(), err)
	}
	defer cur.Close(ctx)
	for n := 1; cur.Next(ctx); n++ {
		var d T
		if err := cur.Decode(&d); err != nil {
			return dbErr("read "+coll.Name(), err)
		}
		*out = append(*out, d)
		if n%rebuildBatch == 0 {
			t := time.NewTimer(rebuildPause)
			select {
			case <-ctx.Done():
				t.Stop()
				return dbErr("read "+coll.Name(), ctx.Err())
			case <-t.C:
			}
		}
	}
	if err := cur.Err(); err != nil {
		return dbErr("read "+coll.Name(), err)
	}
	return nil
}

// install makes snap the copy, built at at. The caller holds v.mu.
func (v *queueView) install(snap queueSnapshot, at time.Time) {
	v.setAll(snap.entries)
	v.unacked = make(map[string]string, len(snap.markers))
	for _, m := range snap.markers {
		v.unacked[m.ID] = m.ForceID
	}
	v.head, v.built, v.builtAt = snap.head, true, at
}

// rebuildQueueAside reads every entry and marker again in the background
// and puts them in place of the copy, so that a change a process died
// before recording is missed for at most rebuildEvery (and the reads it
// takes, 2–3 s for 10 000 open cases on the embedded store, hold up no
// queue read). The copy then replays from the older of its head and the
// snapshot's: the changes since are applied again by the next sync.
func (s *Store) rebuildQueueAside(ctx context.Context) {
	v := &s.queue
	if !v.rebuilding.CompareAndSwap(false, true) {
		return
	}
	v.rebuilds.Add(1)
	go func() {
		defer v.rebuilds.Done()
		defer v.rebuilding.Store(false)
		bctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), queueRebuildBudget)
		defer cancel()
		snap, err := s.readQueueSnapshot(bctx, v.known.Load(), true)
		if err != nil {
			s.log.WarnContext(bctx, "queue: rebuild of the copy failed", "error", err)
			return
		}
		v.mu.Lock()
		defer v.mu.Unlock()
		snap.head = min(snap.head, v.head)
		v.install(snap, s.now())
	}()
}
