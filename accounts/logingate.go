package accounts

import (
	"context"
	"time"

	"speaksafe/errkind"
)

// gate bounds the sign-ins doing store work and hashing at once, so that
// a flood of guesses answers 429 quickly instead of queueing on the
// store's connections until other users' requests time out (503). Its
// size is twice the hashes the budget holds at once: enough to keep the hasher busy while
// others read and write the store.
type gate chan struct{}

// gateWait is how long a sign-in waits for a place before it is told to
// retry: short, because a waiting request is what a flood is made of.
const gateWait = 2 * time.Second

func newGate(h *Hasher) gate {
	n := 4
	if h != nil {
		n = max(n, 2*h.slots())
	}
	return make(gate, n)
}

// enter takes a place (or answers RateLimited after gateWait) and returns
// the function that gives it back.
func (g gate) enter(ctx context.Context) (func(), error) {
	t := time.NewTimer(gateWait)
	defer t.Stop()
	select {
	case g <- struct{}{}:
		return func() { <-g }, nil
	case <-t.C:
		return nil, &errkind.RateLimited{RetryAfter: time.Second}
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}
