package reports

import (
	"cmp"
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"speaksafe/database"
)

// The figures are served from a copy of every stored case's Fact that
// each instance keeps in memory, so that a figures request reads no
// collection whole (the embedded store would otherwise scan every case
// for each request).
//
// The copy follows the queue's change sequence (queueview.go), which
// names a case after every write of it — open or closed, including its
// deletion by the retention sweep — and has a change with no case after a
// bulk load (Seed). Before each figures read an instance reads the changes
// after the last one it applied and reads each named case again by _id
// (and its thread, for the first reply, until it has one): whatever order
// writes and changes land in, a case is read after its last change. A
// submission writes its change before its case document, so a case named
// but not found yet is read again at each later sync until it is found or
// ghostGrace has passed.
//
// A change a process died before writing is missed until the case's next
// change; to bound that, a copy older than factsRebuildEvery is read
// again whole in the background, after the request that noticed it was
// answered from the copy it had.

// factsReplayAtMost is how many changes one figures read applies one by
// one; an instance further behind reads every case again instead.
const factsReplayAtMost = 2048

// factsRebuildEvery is how old a copy may grow before it is read again
// whole, in the background.
const factsRebuildEvery = 15 * time.Minute

// factsRebuildBudget bounds one background rebuild.
const factsRebuildBudget = 2 * time.Minute

// factView is this instance's copy of the facts of every stored case.
type factView struct {
	mu      sync.Mutex
	built   bool
	builtAt time.Time // by the store's clock
	head    int64     // the last change applied
	facts   map[string]Fact
	// pending are cases named by a change but not found, with when they
	// were first missed.
	pending    map[string]time.Time
	rebuilding atomic.Bool
}

// Facts returns the facts of the cases of forces created in [from, to),
// oldest first. The caller has already decided which forces it may count
// (figures are never scoped by the signed-in user alone: a commissioner
// covers several); an empty list of forces answers nothing.
func (s *Store) Facts(ctx context.Context, forces []string, from, to time.Time) ([]Fact, error) {
	if len(forces) == 0 {
		return nil, nil
	}
	if err := s.factSync(ctx); err != nil {
		return nil, err
	}
	in := make(map[string]bool, len(forces))
	for _, f := range forces {
		in[f] = true
	}
	v := &s.facts
	v.mu.Lock()
	out := []Fact{}
	for _, f := range v.facts {
		if in[f.ForceID] && !f.CreatedAt.Before(from) && f.CreatedAt.Before(to) {
			out = append(out, f)
		}
	}
	v.mu.Unlock()
	slices.SortFunc(out, func(a, b Fact) int { return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.ID, b.ID)) })
	return out, nil
}

// factSync brings the copy up to the newest change, building it first
// when this instance has none or is far behind. It holds the lock while
// it reads: concurrent figures reads wait for one catch-up.
func (s *Store) factSync(ctx context.Context) error {
	v := &s.facts
	v.mu.Lock()
	defer v.mu.Unlock()
	last, err := s.lastChange(ctx, max(v.head, s.queue.known.Load()))
	if err != nil {
		return err
	}
	s.queue.sawChange(last)
	if !v.built || last-v.head > factsReplayAtMost {
		return s.buildFacts(ctx, last)
	}
	ids := make([]string, 0, len(v.pending)+int(last-v.head))
	for seq := v.head + 1; seq <= last; seq++ {
		c, err := database.FindByID[queueChange](ctx, s.coll(collQueueChanges), changeID(seq), errNotStored)
		if err != nil {
			return dbErr("read queue change", err)
		}
		if c.CaseID == "" {
			return s.buildFacts(ctx, last) // a bulk load
		}
		ids = append(ids, c.CaseID)
	}
	for id := range v.pending {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range slices.Compact(ids) {
		if err := s.refreshFact(ctx, id); err != nil {
			return err
		}
	}
	v.head = last
	if s.now().Sub(v.builtAt) >= factsRebuildEvery {
		s.rebuildFactsAside(ctx)
	}
	return nil
}

// refreshFact reads case id's fact again; the caller holds v.mu.
func (s *Store) refreshFact(ctx context.Context, id string) error {
	v := &s.facts
	var d factDoc
	err := s.coll(collCases).FindOne(ctx, bson.D{{Key: "_id", Value: id}}, options.FindOne().SetProjection(factFields)).Decode(&d)
	switch {
	case database.IsNotFound(err):
		delete(v.facts, id)
		first, ok := v.pending[id]
		switch {
		case !ok:
			v.pending[id] = s.now()
		case s.now().Sub(first) >= ghostGrace:
			delete(v.pending, id)
		}
		return nil
	case err != nil:
		return dbErr("read fact", err)
	}
	delete(v.pending, id)
	f := factOf(&d)
	if old, ok := v.facts[id]; ok && old.FirstReplyAt != nil {
		f.FirstReplyAt = old.FirstReplyAt // the first reply stays the first
	} else if d.MessageCount > 0 {
		if f.FirstReplyAt, err = s.firstReply(ctx, id); err != nil {
			return err
		}
	}
	v.facts[id] = f
	return nil
}

// buildFacts reads every case's fact; head is the newest change, read
// before, so that every write after the reads is among the changes read
// next. The caller holds v.mu.
func (s *Store) buildFacts(ctx context.Context, head int64) error {
	facts, err := s.allFacts(ctx)
	if err != nil {
		return err
	}
	v := &s.facts
	v.facts, v.pending, v.head, v.built, v.builtAt = facts, map[string]time.Time{}, head, true, s.now()
	return nil
}

// rebuildFactsAside reads every fact again in the background and puts the
// result in place of the copy, with the change it was read after: the
// changes since are applied again by the next sync.
func (s *Store) rebuildFactsAside(ctx context.Context) {
	v := &s.facts
	if !v.rebuilding.CompareAndSwap(false, true) {
		return
	}
	go func() {
		defer v.rebuilding.Store(false)
		bctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), factsRebuildBudget)
		defer cancel()
		head, err := s.lastChange(bctx, s.queue.known.Load())
		if err != nil {
			s.log.WarnContext(bctx, "figures: rebuild of the facts failed", "error", err)
			return
		}
		facts, err := s.allFacts(bctx)
		if err != nil {
			s.log.WarnContext(bctx, "figures: rebuild of the facts failed", "error", err)
			return
		}
		v.mu.Lock()
		defer v.mu.Unlock()
		v.facts, v.head, v.builtAt = facts, min(head, v.head), s.now()
	}()
}

// allFacts reads the fact of every stored case (a scan, at an instance's
// first figures read and in the background rebuild only).
func (s *Store) allFacts(ctx context.Context) (map[string]Fact, error) {
	cur, err := s.coll(collCases).Find(ctx, bson.D{}, options.Find().SetProjection(factFields))
	if err != nil {
		return nil, dbErr("facts", err)
	}
	var docs []factDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, dbErr("facts", err)
	}
	out := make(map[string]Fact, len(docs))
	for i := range docs {
		f := factOf(&docs[i])
		if docs[i].MessageCount > 0 {
			if f.FirstReplyAt, err = s.firstReply(ctx, f.ID); err != nil {
				return nil, err
			}
		}
		out[f.ID] = f
	}
	return out, nil
}

func factOf(d *factDoc) Fact {
	return Fact{ID: d.ID, ForceID: d.ForceID, Kind: d.Kind, SchoolID: d.SchoolID, Category: d.Category,
		Urgent: d.Urgent, AgeBand: d.AgeBand, Disposition: d.Disposition, CreatedAt: d.CreatedAt,
		FirstReadAt: d.FirstReadAt, AckAt: d.AcknowledgedAt, ClosedAt: d.ClosedAt}
}
