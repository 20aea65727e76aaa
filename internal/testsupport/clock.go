package testsupport

import (
	"context"
	"sync"
	"time"
)

// Clock is a clock tests can read and, when manual, move. Pass its Now
// (and Sleep) wherever the code under test takes a clock.
type Clock struct {
	mu     sync.Mutex
	now    time.Time
	manual bool
}

// RealClock follows the wall clock.
func RealClock() *Clock { return &Clock{} }

// NewClock returns a manual clock starting at start.
func NewClock(start time.Time) *Clock { return &Clock{now: start, manual: true} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.manual {
		return time.Now()
	}
	return c.now
}

// Sleep waits d: on a manual clock it moves the clock forward by d and
// returns at once, so tests see a delay without waiting for it.
func (c *Clock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	manual := c.manual
	c.mu.Unlock()
	if manual {
		c.Advance(d)
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Advance moves a manual clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}
