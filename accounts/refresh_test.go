package accounts

import (
	"context"
	"sync"
	"testing"

	"speaksafe/dbtest"
)

// TestConcurrentRefreshSpendsOnce races eight refreshes of one token:
// exactly one wins, and since the others are replays the family is revoked.
func TestConcurrentRefreshSpendsOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := NewStore(dbtest.New(t), nil, nil, &memAudit{})
	auth := testAuth(t, store)
	if err := auth.Bootstrap(ctx, "r@example.test", "a long enough password"); err != nil {
		t.Fatal(err)
	}
	s, err := auth.Login(ctx, Credentials{Email: "r@example.test", Password: "a long enough password"})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := []Session{}
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if next, err := auth.Refresh(ctx, s.RefreshToken); err == nil {
				mu.Lock()
				wins = append(wins, next)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(wins) != 1 {
		t.Fatalf("got %d successful refreshes, want exactly 1", len(wins))
	}
	if _, err := auth.Refresh(ctx, wins[0].RefreshToken); err == nil {
		t.Errorf("the winner's token still works after replays revoked the family")
	}
}
