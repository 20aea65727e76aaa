package ratelimit

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"speaksafe/dbtest"
	"speaksafe/internal/testsupport"
)

var secret = []byte(strings.Repeat("s", 32))

func TestAllowCountsPerWindow(t *testing.T) {
	t.Parallel()
	for _, local := range []bool{true, false} {
		name := map[bool]string{true: "in memory", false: "shared store"}[local]
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c := testsupport.NewClock(time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC))
			l, err := New(dbtest.New(t), secret, local, c.Now)
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			for i := range 3 {
				if ok, _, err := l.Allow(ctx, "b", "k", 3, time.Minute); !ok || err != nil {
					t.Fatalf("attempt %d: got %v %v, want allowed", i+1, ok, err)
				}
			}
			c.Advance(20 * time.Second)
			ok, retry, err := l.Allow(ctx, "b", "k", 3, time.Minute)
			if ok || err != nil || retry != 40*time.Second {
				t.Errorf("4th attempt: got %v retry %v (%v), want denied with 40s", ok, retry, err)
			}
			if ok, _, _ := l.Allow(ctx, "b", "other", 3, time.Minute); !ok {
				t.Errorf("another key was denied")
			}
			if ok, _, _ := l.Allow(ctx, "other-bucket", "k", 3, time.Minute); !ok {
				t.Errorf("another bucket was denied")
			}
			c.Advance(40 * time.Second)
			if ok, _, _ := l.Allow(ctx, "b", "k", 3, time.Minute); !ok {
				t.Errorf("next window: denied, want allowed")
			}
			c.Advance(2 * time.Minute)
			if err := l.Sweep(ctx); err != nil {
				t.Fatal(err)
			}
			if !local {
				n, _ := l.db.Collection(collection).CountDocuments(ctx, map[string]any{})
				if n != 0 {
					t.Errorf("after sweep: got %d windows, want 0", n)
				}
			}
		})
	}
}

func TestClientKeyHidesAndRotates(t *testing.T) {
	t.Parallel()
	c := testsupport.NewClock(time.Date(2025, 3, 1, 23, 59, 0, 0, time.UTC))
	l, _ := New(nil, secret, true, c.Now)
	k1 := l.ClientKey("203.0.113.7")
	if strings.Contains(k1, "203") || k1 != l.ClientKey("203.0.113.7") || k1 == l.ClientKey("203.0.113.8") {
		t.Errorf("key %q: want stable per address per day, distinct per address, not the address", k1)
	}
	c.Advance(2 * time.Minute)
	if l.ClientKey("203.0.113.7") == k1 {
		t.Errorf("key did not change at midnight UTC")
	}
	other, _ := New(nil, []byte(strings.Repeat("t", 32)), true, c.Now)
	if other.ClientKey("203.0.113.7") == l.ClientKey("203.0.113.7") {
		t.Errorf("two secrets give the same key")
	}
	if _, err := New(nil, []byte("short"), true, nil); err == nil {
		t.Errorf("a short secret was accepted")
	}
}

// Every address of one IPv6 /64 is one client; the next /64 is another,
// and IPv4 (also written as IPv4-mapped IPv6) is keyed by the address.
func TestIPv6ClientsAreGroupedBySlash64(t *testing.T) {
	t.Parallel()
	c := testsupport.NewClock(time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC))
	l, _ := New(nil, secret, true, c.Now)
	same := []string{"2001:db8:1:2::1", "2001:db8:1:2:ffff:ffff:ffff:fffe", "2001:db8:1:2:a:b:c:d", "2001:DB8:1:2::9"}
	for _, ip := range same[1:] {
		if l.ClientKey(ip) != l.ClientKey(same[0]) {
			t.Errorf("%s and %s are in one /64 but got different keys", ip, same[0])
		}
	}
	if l.ClientKey("2001:db8:1:3::1") == l.ClientKey(same[0]) {
		t.Error("two /64s got the same key")
	}
	if l.ClientKey("::ffff:203.0.113.7") != l.ClientKey("203.0.113.7") {
		t.Error("an IPv4-mapped address is not keyed as its IPv4 address")
	}
	if l.ClientKey("203.0.113.7") == l.ClientKey("203.0.113.8") {
		t.Error("two IPv4 addresses got the same key")
	}
	ctx := context.Background()
	for i := range 3 {
		ip := fmt.Sprintf("2001:db8:1:2::%x", i+1)
		if ok, _, _ := l.Allow(ctx, "b", l.ClientKey(ip), 3, time.Minute); !ok {
			t.Fatalf("attempt %d: denied, want allowed", i+1)
		}
	}
	if ok, _, _ := l.Allow(ctx, "b", l.ClientKey("2001:db8:1:2::99"), 3, time.Minute); ok {
		t.Error("a fourth address of the same /64 was allowed past the limit")
	}
}

func TestGroupIsSharedPerWindowAndRandom(t *testing.T) {
	t.Parallel()
	for _, local := range []bool{true, false} {
		t.Run(map[bool]string{true: "in memory", false: "shared store"}[local], func(t *testing.T) {
			t.Parallel()
			c := testsupport.NewClock(time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC))
			db := dbtest.New(t)
			l, _ := New(db, secret, local, c.Now)
			other, _ := New(db, secret, local, c.Now) // a second instance
			ctx := context.Background()
			g1, err := l.Group(ctx, "b", "k", 10*time.Minute)
			if err != nil || g1 == "" {
				t.Fatalf("group: %q %v", g1, err)
			}
			c.Advance(time.Minute)
			if g, _ := l.Group(ctx, "b", "k", 10*time.Minute); g != g1 {
				t.Errorf("same window: got %q, want %q", g, g1)
			}
			if g, _ := other.Group(ctx, "b", "k", 10*time.Minute); !local && g != g1 {
				t.Errorf("another instance, same window: got %q, want %q", g, g1)
			}
			if g, _ := l.Group(ctx, "b", "k2", 10*time.Minute); g == g1 {
				t.Error("another key shares the group")
			}
			c.Advance(10 * time.Minute)
			if g, _ := l.Group(ctx, "b", "k", 10*time.Minute); g == g1 {
				t.Error("the next window shares the group")
			}
		})
	}
}

func TestExceededDoesNotCount(t *testing.T) {
	t.Parallel()
	for _, local := range []bool{true, false} {
		t.Run(map[bool]string{true: "in memory", false: "shared store"}[local], func(t *testing.T) {
			t.Parallel()
			c := testsupport.NewClock(time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC))
			l, _ := New(dbtest.New(t), secret, local, c.Now)
			ctx := context.Background()
			for range 5 {
				if over, _, err := l.Exceeded(ctx, "b", "k", 2, time.Minute); over || err != nil {
					t.Fatalf("before any attempt: got %v %v, want not exceeded", over, err)
				}
			}
			_, _, _ = l.Allow(ctx, "b", "k", 2, time.Minute)
			_, _, _ = l.Allow(ctx, "b", "k", 2, time.Minute)
			if over, retry, _ := l.Exceeded(ctx, "b", "k", 2, time.Minute); !over || retry != time.Minute {
				t.Errorf("after 2 of 2: got %v %v, want exceeded for 1m", over, retry)
			}
		})
	}
}

// Attempts of one key that arrive at once on the shared store are each
// counted: exactly max of them are allowed, and the window holds them all
// (the embedded store loses racing increments of one document, so this
// process sends them together instead).
func TestAttemptsAtOnceAreEachCountedInTheSharedStore(t *testing.T) {
	t.Parallel()
	c := testsupport.NewClock(time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC))
	l, err := New(dbtest.New(t), secret, false, c.Now)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	const attempts, max = 60, 25
	allowed := make(chan bool, attempts)
	var wg sync.WaitGroup
	for range attempts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok, _, err := l.Allow(ctx, "b", "k", max, time.Minute)
			if err != nil {
				t.Error(err)
			}
			allowed <- ok
		}()
	}
	wg.Wait()
	close(allowed)
	n := 0
	for ok := range allowed {
		if ok {
			n++
		}
	}
	if n != max {
		t.Errorf("%d of %d attempts at once allowed, want exactly %d", n, attempts, max)
	}
	var w counter
	if err := l.db.Collection(collection).FindOne(ctx, map[string]any{}).Decode(&w); err != nil || w.N != attempts {
		t.Errorf("window counted %d (%v), want %d", w.N, err, attempts)
	}
}
