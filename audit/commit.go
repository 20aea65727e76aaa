package audit

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"

	"go.mongodb.org/mongo-driver/v2/mongo"

	"speaksafe/database"
)

// maxBatch bounds the entries one commit chains and stores.
const maxBatch = 128

// hintEvery is how far the chain grows between saves of the head hint: a
// commit saves it when its entries cross a multiple of hintEvery, so the
// hint costs one write per hintEvery entries, and finding the head from
// it at most hintEvery reads by _id (once per sync, not per entry).
const hintEvery = 32

// Group commit. Concurrent callers of Record queue their entries; one
// committer at a time (a goroutine that lives while the queue is not
// empty) takes every waiting entry, up to maxBatch, chains them after the
// head and stores them with one ordered InsertMany. An ordered insert
// stores the entries in order and stops at the first that fails: when
// another process took position k, the entries before k are stored (their
// callers are answered) and the rest are chained again after the real head
// (the two-writer logic of a single append). The head hint and the
// objects' links are then written once per batch; each caller returns when
// its own entry is stored, with the error of its batch otherwise.

// pending is one caller's entry waiting for, or in, a commit.
type pending struct {
	ctx context.Context
	e   Entry
	// early: the caller is answered once its entry is stored, before the
	// batch's hint and links are written (RecordStored).
	early bool
	taken bool // a committer has it (guarded by commitQueue.mu)
	rec   Record
	err   error
	done  chan struct{}
}

// commitQueue holds the entries waiting for the committer.
type commitQueue struct {
	mu      sync.Mutex
	waiting []*pending
	running bool // a committer goroutine is on the queue
	// linking is closed when the links of the batch whose early callers
	// were answered are written; nil when none are being written.
	linking chan struct{}
}

// submit queues e and waits until it is stored or refused. A caller whose
// context ends while its entry still waits withdraws it; once a committer
// has taken it, the caller waits for the batch's answer (bounded by the
// latest deadline of the batch's callers), so that nil always means
// stored and an error never hides a stored entry it could have reported.
func (l *Log) submit(ctx context.Context, e Entry, early bool) (Record, error) {
	if e.Action == "" {
		return Record{}, errors.New("audit: entry has no action")
	}
	if err := ctx.Err(); err != nil {
		return Record{}, fmt.Errorf("audit: append: %w", err)
	}
	p := &pending{ctx: ctx, e: e, early: early, done: make(chan struct{})}
	l.enqueue(p)
	select {
	case <-p.done:
	case <-ctx.Done():
		if l.withdraw(p) {
			return Record{}, fmt.Errorf("audit: append: %w", ctx.Err())
		}
		<-p.done
	}
	return p.rec, p.err
}

func (l *Log) enqueue(p *pending) {
	q := &l.queue
	q.mu.Lock()
	q.waiting = append(q.waiting, p)
	start := !q.running
	q.running = true
	q.mu.Unlock()
	if start {
		go l.commitAll()
	}
}

// withdraw removes p from the queue unless a committer took it.
func (l *Log) withdraw(p *pending) bool {
	q := &l.queue
	q.mu.Lock()
	defer q.mu.Unlock()
	if p.taken {
		return false
	}
	q.waiting = slices.DeleteFunc(q.waiting, func(x *pending) bool { return x == p })
	return true
}

// take hands the committer the entries waiting, at most maxBatch, whose
// callers still wait; with none left the committer stops.
func (l *Log) take() []*pending {
	q := &l.queue
	q.mu.Lock()
	defer q.mu.Unlock()
	n := min(len(q.waiting), maxBatch)
	batch := slices.Clone(q.waiting[:n])
	q.waiting = slices.Clone(q.waiting[n:])
	if n == 0 {
		q.running = false
	}
	for _, p := range batch {
		p.taken = true
	}
	return batch
}

// commitAll commits batches until the queue is empty.
func (l *Log) commitAll() {
	for {
		batch := l.take()
		if len(batch) == 0 {
			return
		}
		live := batch[:0]
		for _, p := range batch {
			if err := p.ctx.Err(); err != nil {
				p.err = fmt.Errorf("audit: append: %w", err)
				close(p.done)
				continue
			}
			live = append(live, p)
		}
		if len(live) > 0 {
			l.commit(live)
			// Let the callers just answered run: those with another
			// entry queue it before the next take.
			runtime.Gosched()
		}
	}
}

// commit stores batch, saves the hint and the links of what was stored,
// and answers every caller.
func (l *Log) commit(batch []*pending) {
	ctx, cancel := batchContext(batch)
	defer cancel()
	stored, err := l.appendBatch(ctx, batch)
	if stored > 0 {
		recs := make([]Record, stored)
		for i, p := range batch[:stored] {
			recs[i] = p.rec
		}
		linked := l.answerEarly(batch[:stored])
		// The hint only ever grows ($max), by hintEvery at a time: a
		// writer that syncs walks at most that many entries past it.
		if first, last := recs[0].Seq, recs[stored-1].Seq; last/hintEvery > (first-1)/hintEvery {
			l.saveHint(ctx, last)
		}
		// Links follow the entries; a failure is logged, not returned:
		// the actions were audited (the monitor adds a missing link).
		l.linkBatch(ctx, recs)
		linked()
	}
	for i, p := range batch {
		if i < stored && p.early {
			continue
		}
		if i >= stored {
			p.err = err
		}
		close(p.done)
	}
}

// answerEarly answers the early callers of stored, whose entries are
// stored, and returns the function to call once the batch's links are
// written: until then, link reads of this process wait (awaitLinks), so
// that what a caller was told is recorded is found through its object.
func (l *Log) answerEarly(stored []*pending) func() {
	var early []*pending
	for _, p := range stored {
		if p.early {
			early = append(early, p)
		}
	}
	if len(early) == 0 {
		return func() {}
	}
	ch := make(chan struct{})
	l.queue.mu.Lock()
	l.queue.linking = ch
	l.queue.mu.Unlock()
	for _, p := range early {
		close(p.done)
	}
	return func() {
		l.queue.mu.Lock()
		l.queue.linking = nil
		l.queue.mu.Unlock()
		close(ch)
	}
}

// awaitLinks waits until the links of entries whose callers were answered
// early are written.
func (l *Log) awaitLinks(ctx context.Context) error {
	l.queue.mu.Lock()
	ch := l.queue.linking
	l.queue.mu.Unlock()
	if ch == nil {
		return nil
	}
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("audit: links: %w", ctx.Err())
	}
}

// batchContext is the context a batch is stored under (database.GroupContext
// of its callers').
func batchContext(batch []*pending) (context.Context, context.CancelFunc) {
	ctxs := make([]context.Context, len(batch))
	for i, p := range batch {
		ctxs[i] = p.ctx
	}
	return database.GroupContext(ctxs)
}

// appendBatch chains and stores batch after the head under l.mu and
// returns how many of its entries, from the first, are stored.
func (l *Log) appendBatch(ctx context.Context, batch []*pending) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	stored := 0
	for fails := 0; fails < maxAttempts; {
		if err := l.ready(ctx); err != nil {
			return stored, err
		}
		n, err := l.appendMany(ctx, batch[stored:])
		stored += n
		if err == nil {
			return stored, nil
		}
		if !database.IsDuplicateKey(err) {
			return stored, fmt.Errorf("audit: append: %w", err)
		}
		// Another writer took the next position: find the real head and
		// chain the rest after it.
		l.synced, l.raced = false, true
		if n > 0 {
			fails = 0
		} else {
			fails++
		}
	}
	return stored, errors.New("audit: append: too much contention")
}

// appendMany writes ps after l.head with one ordered insert and returns
// how many, from the first, are stored; l.head becomes the last of them.
// The caller holds l.mu.
func (l *Log) appendMany(ctx context.Context, ps []*pending) (int, error) {
	recs := make([]Record, len(ps))
	docs := make([]any, len(ps))
	prev := l.head
	for i, p := range ps {
		recs[i] = l.chained(prev, p.e)
		docs[i], prev = recs[i], recs[i]
	}
	_, err := l.db.Collection(colEntries).InsertMany(ctx, docs)
	n := len(ps)
	if err != nil {
		var known bool
		if n, known = storedBefore(err); !known {
			// Which entries went in is unknown: the next batch finds
			// the real head first.
			l.synced = false
		}
	}
	for i := range n {
		ps[i].rec = recs[i]
	}
	if n > 0 {
		l.head = recs[n-1]
	}
	return n, err
}

// storedBefore returns how many documents of a failed ordered insert
// were stored: those before its first write error. known is false when
// the error says nothing of that (a network error, a write concern not
// met): then 0, and the caller must not trust its head.
func storedBefore(err error) (n int, known bool) {
	var bwe mongo.BulkWriteException
	if !errors.As(err, &bwe) || bwe.WriteConcernError != nil || len(bwe.WriteErrors) == 0 {
		return 0, false
	}
	first := bwe.WriteErrors[0].Index
	for _, we := range bwe.WriteErrors[1:] {
		first = min(first, we.Index)
	}
	return first, true
}
