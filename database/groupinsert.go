package database

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// maxGroup bounds the documents one grouped insert sends.
const maxGroup = 100

// GroupInsert inserts documents into one collection for many callers at
// once: the inserts that arrive while one is in flight go together in the
// next, as one unordered InsertMany (group commit). Under load that is one
// command, and on the embedded store one transaction, for a group instead
// of one per document; a caller alone is sent on its own at once, as
// InsertOne would. Each caller gets its own document's outcome: nil, a
// duplicate-key error (IsDuplicateKey) when its _id is taken, or the
// error of its group. The zero value is not usable; see NewGroupInsert.
// It is safe for concurrent use.
type GroupInsert struct {
	coll    *mongo.Collection
	mu      sync.Mutex
	waiting []*grouped
	running bool // a sender goroutine is on the queue
}

// grouped is one caller's document waiting for, or in, a group.
type grouped struct {
	ctx   context.Context
	doc   any
	taken bool // a sender has it (guarded by GroupInsert.mu)
	err   error
	done  chan struct{}
}

// NewGroupInsert returns a GroupInsert into coll.
func NewGroupInsert(coll *mongo.Collection) *GroupInsert {
	return &GroupInsert{coll: coll}
}

// InsertOne inserts doc with the next group and returns its outcome. A
// caller whose ctx ends while its document still waits withdraws it; once
// a group has it, the caller waits for the group's answer (bounded by the
// latest deadline of the group's callers), so that nil always means stored.
func (g *GroupInsert) InsertOne(ctx context.Context, doc any) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("database: insert into %s: %w", g.coll.Name(), err)
	}
	p := &grouped{ctx: ctx, doc: doc, done: make(chan struct{})}
	g.mu.Lock()
	g.waiting = append(g.waiting, p)
	start := !g.running
	g.running = true
	g.mu.Unlock()
	if start {
		go g.send()
	}
	select {
	case <-p.done:
	case <-ctx.Done():
		if g.withdraw(p) {
			return fmt.Errorf("database: insert into %s: %w", g.coll.Name(), ctx.Err())
		}
		<-p.done
	}
	return p.err
}

func (g *GroupInsert) withdraw(p *grouped) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if p.taken {
		return false
	}
	g.waiting = slices.DeleteFunc(g.waiting, func(x *grouped) bool { return x == p })
	return true
}

// take hands the sender the documents waiting, at most maxGroup; with none
// left the sender stops.
func (g *GroupInsert) take() []*grouped {
	g.mu.Lock()
	defer g.mu.Unlock()
	n := min(len(g.waiting), maxGroup)
	group := slices.Clone(g.waiting[:n])
	g.waiting = slices.Clone(g.waiting[n:])
	if n == 0 {
		g.running = false
	}
	for _, p := range group {
		p.taken = true
	}
	return group
}

// send inserts groups until the queue is empty.
func (g *GroupInsert) send() {
	for {
		group := g.take()
		if len(group) == 0 {
			return
		}
		g.insert(group)
	}
}

// insert stores group and answers each of its callers.
func (g *GroupInsert) insert(group []*grouped) {
	defer func() {
		for _, p := range group {
			close(p.done)
		}
	}()
	ctxs := make([]context.Context, len(group))
	for i, p := range group {
		ctxs[i] = p.ctx
	}
	ctx, cancel := GroupContext(ctxs)
	defer cancel()
	if len(group) == 1 {
		_, err := g.coll.InsertOne(ctx, group[0].doc)
		group[0].err = err
		return
	}
	docs := make([]any, len(group))
	for i, p := range group {
		docs[i] = p.doc
	}
	_, err := g.coll.InsertMany(ctx, docs, options.InsertMany().SetOrdered(false))
	if err == nil {
		return
	}
	var bwe mongo.BulkWriteException
	if !errors.As(err, &bwe) || bwe.WriteConcernError != nil || len(bwe.WriteErrors) == 0 {
		for _, p := range group {
			p.err = err
		}
		return
	}
	for _, we := range bwe.WriteErrors {
		if i := we.Index; i >= 0 && i < len(group) {
			own := we.WriteError
			own.Index = 0 // the caller's own, single document
			group[i].err = mongo.WriteException{WriteErrors: mongo.WriteErrors{own}}
		}
	}
}

// GroupContext is the context work done for several callers at once runs
// under: the values of the first, without its cancellation, and the latest
// deadline of all (none if one has none), so that no caller's part is cut
// off by another caller's shorter deadline.
func GroupContext(ctxs []context.Context) (context.Context, context.CancelFunc) {
	ctx := context.WithoutCancel(ctxs[0])
	var latest time.Time
	for _, c := range ctxs {
		d, ok := c.Deadline()
		if !ok {
			return context.WithCancel(ctx)
		}
		if d.After(latest) {
			latest = d
		}
	}
	return context.WithDeadline(ctx, latest)
}
