package database

import (
	"context"
	"slices"
	"sync"
)

// Grouper does one kind of store work for many callers at once (group
// commit), per key: the items of a key that arrive while its work is in
// flight go together in the next round, at most max of them. A caller alone
// is sent at once. Keys are independent, and a key with nothing waiting or
// in flight costs nothing. It is safe for concurrent use.
type Grouper[K comparable, T, R any] struct {
	max  int
	send func(ctx context.Context, key K, items []T) ([]R, []error)

	mu     sync.Mutex
	queues map[K]*groupQueue[T, R]
}

// groupQueue is one key's callers waiting for a round.
type groupQueue[T, R any] struct {
	waiting []*groupCall[T, R]
}

// groupCall is one caller's item waiting for, or in, a round.
type groupCall[T, R any] struct {
	ctx   context.Context
	item  T
	taken bool // a round has it (guarded by Grouper.mu)
	res   R
	err   error
	done  chan struct{}
}

// NewGrouper returns a Grouper whose rounds are done by send: it gets the
// round's items of one key, under a context that ends with the latest
// deadline of their callers (GroupContext), and returns each item's result
// and error, in order (a nil error slice when all succeeded). max bounds a
// round's items.
func NewGrouper[K comparable, T, R any](max int, send func(ctx context.Context, key K, items []T) ([]R, []error)) *Grouper[K, T, R] {
	return &Grouper[K, T, R]{max: max, send: send, queues: map[K]*groupQueue[T, R]{}}
}

// Do hands item to the next round of key and returns its result. A caller
// whose ctx ends while its item still waits withdraws it; once a round has
// it, the caller waits for the round's answer (bounded by the latest
// deadline of the round's callers), so that a result is never lost.
func (g *Grouper[K, T, R]) Do(ctx context.Context, key K, item T) (R, error) {
	var zero R
	if err := ctx.Err(); err != nil {
		return zero, err
	}
	c := &groupCall[T, R]{ctx: ctx, item: item, done: make(chan struct{})}
	g.mu.Lock()
	q := g.queues[key]
	start := q == nil
	if start {
		q = &groupQueue[T, R]{}
		g.queues[key] = q
	}
	q.waiting = append(q.waiting, c)
	g.mu.Unlock()
	if start {
		go g.run(key, q)
	}
	select {
	case <-c.done:
	case <-ctx.Done():
		if g.withdraw(q, c) {
			return zero, ctx.Err()
		}
		<-c.done
	}
	return c.res, c.err
}

func (g *Grouper[K, T, R]) withdraw(q *groupQueue[T, R], c *groupCall[T, R]) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if c.taken {
		return false
	}
	q.waiting = slices.DeleteFunc(q.waiting, func(x *groupCall[T, R]) bool { return x == c })
	return true
}

// take hands the runner of key the calls waiting, at most max; with none
// left the queue is dropped and the runner stops.
func (g *Grouper[K, T, R]) take(key K, q *groupQueue[T, R]) []*groupCall[T, R] {
	g.mu.Lock()
	defer g.mu.Unlock()
	n := min(len(q.waiting), g.max)
	round := slices.Clone(q.waiting[:n])
	q.waiting = slices.Clone(q.waiting[n:])
	if n == 0 {
		delete(g.queues, key)
	}
	for _, c := range round {
		c.taken = true
	}
	return round
}

// run sends rounds of key until its queue is empty.
func (g *Grouper[K, T, R]) run(key K, q *groupQueue[T, R]) {
	for {
		round := g.take(key, q)
		if len(round) == 0 {
			return
		}
		g.round(key, round)
	}
}

// round sends one round and answers each of its callers.
func (g *Grouper[K, T, R]) round(key K, round []*groupCall[T, R]) {
	defer func() {
		for _, c := range round {
			close(c.done)
		}
	}()
	ctxs := make([]context.Context, len(round))
	items := make([]T, len(round))
	for i, c := range round {
		ctxs[i], items[i] = c.ctx, c.item
	}
	ctx, cancel := GroupContext(ctxs)
	defer cancel()
	res, errs := g.send(ctx, key, items)
	for i, c := range round {
		if i < len(res) {
			c.res = res[i]
		}
		if i < len(errs) {
			c.err = errs[i]
		}
	}
}
