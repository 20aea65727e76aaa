package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"

	"speaksafe/database"
)

// colSlots holds the attempts Claim counts: one document per attempt.
const colSlots = "rate_limit_slots"

// maxClaimTries bounds the slots one Claim tries after finding them taken
// (by other instances) before it searches for the first free one again.
const maxClaimTries = 8

// slotDoc is attempt n of a window: _id "<window id>#<n>".
type slotDoc struct {
	ID        string    `bson:"_id"`
	ExpiresAt time.Time `bson:"expiresAt"`
}

// claims is what this process knows of the windows Claim counts in: the
// first slot of each it believes free, and the inserts of every window's
// slots that meet, sent together.
type claims struct {
	mu   sync.Mutex
	next map[string]int // window id → first slot believed free
	ins  *database.GroupInsert
}

// maxClaimHints bounds the windows claims remembers; past it, it starts
// again (a window it forgot costs a search).
const maxClaimHints = 20_000

// Claim counts one attempt of key in bucket within the current window and
// returns its number in the window, like Allow without a limit: for counts
// that only mark (an urgent report counted for floods is always taken). In
// the shared store each attempt claims the next slot of its window by
// inserting its _id, grouped with the claims of the same moment into one
// write (database.GroupInsert), where Allow would read, modify and write a
// counter per attempt. Slots are claimed in order, so an attempt's number
// is its slot's plus one; an instance that knows nothing of a window tries
// its first slot, then searches (database.ChainLast). A slot left unclaimed
// by a failed insert makes a later count one short, never fails a caller.
func (l *Limiter) Claim(ctx context.Context, bucket, key string, window time.Duration) (int, error) {
	if window <= 0 {
		return 0, errors.New("ratelimit: bad window")
	}
	now, id, end := l.window(bucket, key, window)
	if l.local {
		return l.incLocal(id, end, now), nil
	}
	coll := l.db.Collection(colSlots)
	n, known := l.claims.reserve(id)
	for tries := 0; ; tries++ {
		err := l.claims.ins.InsertOne(ctx, slotDoc{ID: database.ChainSlot(id, n), ExpiresAt: end})
		if err == nil {
			return n + 1, nil
		}
		if !database.IsDuplicateKey(err) {
			return 0, fmt.Errorf("ratelimit: claim: %w", err)
		}
		// Another instance claimed it: move on, and search once the
		// window has moved far past what this process knew.
		if !known || tries >= maxClaimTries {
			if n, err = database.ChainLast(ctx, coll, id, n+1); err != nil {
				return 0, fmt.Errorf("ratelimit: claim: %w", err)
			}
			known, tries = true, 0
		} else {
			n++
		}
		l.claims.taken(id, n)
	}
}

// reserve hands out the next slot of window id this process believes free
// and moves its hint past it, so that this process's claims never collide
// with each other; known is false when it knew nothing of the window.
func (c *claims) reserve(id string) (n int, known bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n, known = c.next[id]
	if !known && len(c.next) >= maxClaimHints {
		clear(c.next)
	}
	c.next[id] = n + 1
	return n, known
}

// taken records that slots before n of window id are taken and hands out
// n itself (the caller claims it next).
func (c *claims) taken(id string, n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.next[id] = max(c.next[id], n+1)
}

func newClaims(db *mongo.Database) *claims {
	c := &claims{next: map[string]int{}}
	if db != nil {
		c.ins = database.NewGroupInsert(db.Collection(colSlots))
	}
	return c
}
