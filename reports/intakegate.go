package reports

import (
	"context"
	"fmt"
	"sync"
	"time"

	"speaksafe/errkind"
)

// Urgent reports have capacity of their own. The store serves a bounded
// number of commands a second, and one urgent report costs about fifty of
// them; routine reports offered faster than the store takes them would
// queue in front of every urgent report's store work and then time out
// together (at 100 routine reports a second beside 20 urgent ones, nearly
// every request of both kinds ended in 503 before this gate). So a process
// stores at most RoutineInFlight routine reports at once, only one while
// urgent reports are coming in (one was taken in the last urgentCalm), and
// starts none while an urgent report is being taken: a routine report
// never holds up an urgent one that came first, and a trickle of urgent
// reports cannot hold routine ones off for long. A routine report that
// finds no turn waits up to RoutineWait for one, then is refused with 503
// (the service is overloaded for now: the answer it gets when the store is
// away), nothing stored; the app sends it again under the same
// Idempotency-Key. Urgent reports never wait here.

// Defaults of the routine gate.
const (
	DefaultRoutineInFlight = 8
	DefaultRoutineWait     = 3 * time.Second
	// routineWhileUrgent is how many routine reports are stored at once
	// while urgent ones come in.
	routineWhileUrgent = 1
	// urgentCalm is how long after an urgent report the gate stays narrow.
	urgentCalm = 2 * time.Second
)

// routineGate bounds the routine reports a process stores at once.
type routineGate struct {
	mu       sync.Mutex
	inFlight int
	wide     int
	wait     time.Duration
	now      func() time.Time
	// urgentAt is when the last urgent report was taken; urgentNow how
	// many are being taken.
	urgentAt  time.Time
	urgentNow int
	// freed is closed (and replaced) whenever a turn ends.
	freed chan struct{}
}

func newRoutineGate(inFlight int, wait time.Duration, now func() time.Time) *routineGate {
	return &routineGate{wide: inFlight, wait: wait, now: now, freed: make(chan struct{})}
}

// urgent notes that an urgent report is being taken, until the function
// it returns is called: the gate narrows, and is shut meanwhile.
func (g *routineGate) urgent() func() {
	g.mu.Lock()
	g.urgentAt = g.now()
	g.urgentNow++
	g.mu.Unlock()
	return func() {
		g.mu.Lock()
		defer g.mu.Unlock()
		g.urgentNow--
		g.wake()
	}
}

// enter waits for a turn, at most the gate's wait, and returns the function
// that ends it; errkind.Unavailable when no turn came.
func (g *routineGate) enter(ctx context.Context) (func(), error) {
	var timeout <-chan time.Time
	for {
		freed, ok := g.take()
		if ok {
			return g.leave, nil
		}
		if timeout == nil {
			t := time.NewTimer(g.wait)
			defer t.Stop()
			timeout = t.C
		}
		select {
		case <-freed:
		case <-timeout:
			return nil, g.refusal()
		case <-ctx.Done():
			return nil, g.refusal()
		}
	}
}

// refusal is the answer to a routine report that got no turn.
func (g *routineGate) refusal() error {
	return fmt.Errorf("reports: no turn for a routine report within %v: %w", g.wait, errkind.Unavailable)
}

// take starts a turn if the gate's width allows one now; otherwise it
// returns the channel closed when a turn ends.
func (g *routineGate) take() (<-chan struct{}, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	width := g.wide
	if !g.urgentAt.IsZero() && g.now().Sub(g.urgentAt) < urgentCalm {
		width = min(width, routineWhileUrgent)
	}
	if g.urgentNow > 0 {
		width = 0
	}
	if g.inFlight < width {
		g.inFlight++
		return nil, true
	}
	return g.freed, false
}

func (g *routineGate) leave() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.inFlight--
	g.wake()
}

// wake lets the routine reports waiting look again; the caller holds g.mu.
func (g *routineGate) wake() {
	close(g.freed)
	g.freed = make(chan struct{})
}
