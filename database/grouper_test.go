package database

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"testing"
)

// Callers of one key that arrive while its round is in flight go together in
// the next round, each answered with its own result; other keys are not held
// up by it, and a caller that gives up while waiting is left out.
func TestGrouperSendsWaitingCallersTogetherAndAnswersEach(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	var mu sync.Mutex
	var rounds [][]int
	g := NewGrouper(100, func(_ context.Context, key string, items []int) ([]int, []error) {
		if key == "a" && items[0] == 0 {
			<-release // the first round of "a" is in flight until released
		}
		if key == "a" {
			mu.Lock()
			rounds = append(rounds, append([]int(nil), items...))
			mu.Unlock()
		}
		out := make([]int, len(items))
		errs := make([]error, len(items))
		for i, v := range items {
			out[i] = v * 10
			if v == 7 {
				errs[i] = errors.New("seven refused")
			}
		}
		return out, errs
	})
	ctx := context.Background()
	first := make(chan int)
	go func() { v, _ := g.Do(ctx, "a", 0); first <- v }()
	waitFor(t, g, "a", 0) // the first round has taken caller 0

	// Another key goes at once while "a" is held.
	if v, err := g.Do(ctx, "b", 5); v != 50 || err != nil {
		t.Fatalf("key b: got %d %v, want 50", v, err)
	}

	const callers = 10
	var wg sync.WaitGroup
	got := make([]int, callers+1)
	errs := make([]error, callers+1)
	for i := 1; i <= callers; i++ {
		wg.Add(1)
		go func() { defer wg.Done(); got[i], errs[i] = g.Do(ctx, "a", i) }()
	}
	gone, cancel := context.WithCancel(ctx)
	withdrawn := make(chan error)
	go func() { _, err := g.Do(gone, "a", 99); withdrawn <- err }()
	waitFor(t, g, "a", callers+1)
	cancel()
	if err := <-withdrawn; !errors.Is(err, context.Canceled) {
		t.Fatalf("withdrawn caller: %v, want canceled", err)
	}
	close(release)
	wg.Wait()
	if v := <-first; v != 0 {
		t.Errorf("first caller: got %d, want 0", v)
	}
	for i := 1; i <= callers; i++ {
		switch {
		case i == 7 && errs[i] == nil:
			t.Errorf("caller 7: no error, want its own refusal")
		case i != 7 && (errs[i] != nil || got[i] != i*10):
			t.Errorf("caller %d: got %d %v, want %d", i, got[i], errs[i], i*10)
		}
	}
	mu.Lock()
	a := rounds
	if len(a) != 2 || len(a[1]) != callers {
		t.Errorf("rounds of key a: %v, want [0] then the %d waiting callers together (not 99)", a, callers)
	}
	mu.Unlock()
	for { // a key's queue is dropped once its last round is answered
		g.mu.Lock()
		left := len(g.queues)
		g.mu.Unlock()
		if left == 0 {
			break
		}
		runtime.Gosched()
	}
}

// waitFor yields until key's queue holds n waiting callers.
func waitFor(t *testing.T, g *Grouper[string, int, int], key string, n int) {
	t.Helper()
	for {
		g.mu.Lock()
		q := g.queues[key]
		have := q != nil && len(q.waiting) == n
		g.mu.Unlock()
		if have {
			return
		}
		runtime.Gosched()
	}
}
