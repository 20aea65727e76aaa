package ratelimit

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"speaksafe/dbtest"
	"speaksafe/internal/testsupport"
)

// Attempts claimed at once on two instances of one store are numbered 1 to
// n, each number once; an instance that knew nothing of the window goes on
// from n+1; the next window starts again at 1, and the sweep removes the
// window that ended.
func TestClaimsOfTwoInstancesAreNumberedOnceEachInOrder(t *testing.T) {
	t.Parallel()
	for _, local := range []bool{true, false} {
		name := map[bool]string{true: "in memory", false: "shared store"}[local]
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c := testsupport.NewClock(time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC))
			db := dbtest.New(t)
			instances := 2
			if local {
				instances = 1 // one process by construction
			}
			var ls []*Limiter
			for range instances + 1 {
				l, err := New(db, secret, local, c.Now)
				if err != nil {
					t.Fatal(err)
				}
				ls = append(ls, l)
			}
			ctx := context.Background()
			const attempts = 40
			var mu sync.Mutex
			var got []int
			var wg sync.WaitGroup
			for i := range attempts {
				wg.Go(func() {
					n, err := ls[i%instances].Claim(ctx, "flood", "force-1", 10*time.Minute)
					if err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					got = append(got, n)
					mu.Unlock()
				})
			}
			wg.Wait()
			slices.Sort(got)
			for i, n := range got {
				if n != i+1 {
					t.Fatalf("numbers %v, want 1 to %d once each", got, attempts)
				}
			}
			if local {
				return
			}
			if n, err := ls[instances].Claim(ctx, "flood", "force-1", 10*time.Minute); err != nil || n != attempts+1 {
				t.Errorf("a third instance's first claim: %d (%v), want %d", n, err, attempts+1)
			}
			if n, err := ls[0].Claim(ctx, "flood", "force-2", 10*time.Minute); err != nil || n != 1 {
				t.Errorf("another key: %d (%v), want 1", n, err)
			}
			c.Advance(10 * time.Minute)
			if n, err := ls[0].Claim(ctx, "flood", "force-1", 10*time.Minute); err != nil || n != 1 {
				t.Errorf("the next window: %d (%v), want 1", n, err)
			}
			if err := ls[1].Sweep(ctx); err != nil {
				t.Fatal(err)
			}
			if left, err := db.Collection(colSlots).CountDocuments(ctx, map[string]any{}); err != nil || left != 1 {
				t.Errorf("after the sweep: %d slots (%v), want the current window's 1", left, err)
			}
		})
	}
}
