package database

import (
	"context"
	"errors"
	"sync"
	"testing"
)

// Claimers of one key take turns; a claimer whose context ends while it
// waits gives up with the context's error, and the turn is not lost.
func TestClaimLocksTakeTurnsPerKey(t *testing.T) {
	var l ClaimLocks
	ctx := context.Background()
	var mu sync.Mutex
	inside, most := 0, 0
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			unlock, err := l.Lock(ctx, "force-a/main")
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			inside++
			most = max(most, inside)
			mu.Unlock()
			mu.Lock()
			inside--
			mu.Unlock()
			unlock()
		}()
	}
	wg.Wait()
	if most != 1 {
		t.Errorf("%d claimers of one key at once, want 1", most)
	}
	unlock, err := l.Lock(ctx, "force-a/main")
	if err != nil {
		t.Fatal(err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := l.Lock(cancelled, "force-a/main"); !errors.Is(err, context.Canceled) {
		t.Errorf("waiting with an ended context: got %v, want context.Canceled", err)
	}
	unlock()
	again, err := l.Lock(ctx, "force-a/main")
	if err != nil {
		t.Fatalf("after a waiter gave up, the turn is lost: %v", err)
	}
	again()
}
