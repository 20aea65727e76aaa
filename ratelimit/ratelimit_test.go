package ratelimit

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"speaksafe/dbtest"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

var secret = []byte(strings.Repeat("s", 32))

func TestAllowCountsPerWindow(t *testing.T) {
	t.Parallel()
	for _, local := range []bool{true, false} {
		name := map[bool]string{true: "in memory", false: "shared store"}[local]
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c := &clock{t: time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)}
			l, err := New(dbtest.New(t), secret, local, c.now)
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			for i := range 3 {
				if ok, _, err := l.Allow(ctx, "b", "k", 3, time.Minute); !ok || err != nil {
					t.Fatalf("attempt %d: got %v %v, want allowed", i+1, ok, err)
				}
			}
			c.add(20 * time.Second)
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
			c.add(40 * time.Second)
			if ok, _, _ := l.Allow(ctx, "b", "k", 3, time.Minute); !ok {
				t.Errorf("next window: denied, want allowed")
			}
			c.add(2 * time.Minute)
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
	c := &clock{t: time.Date(2025, 3, 1, 23, 59, 0, 0, time.UTC)}
	l, _ := New(nil, secret, true, c.now)
	k1 := l.ClientKey("203.0.113.7")
	if strings.Contains(k1, "203") || k1 != l.ClientKey("203.0.113.7") || k1 == l.ClientKey("203.0.113.8") {
		t.Errorf("key %q: want stable per address per day, distinct per address, not the address", k1)
	}
	c.add(2 * time.Minute)
	if l.ClientKey("203.0.113.7") == k1 {
		t.Errorf("key did not change at midnight UTC")
	}
	other, _ := New(nil, []byte(strings.Repeat("t", 32)), true, c.now)
	if other.ClientKey("203.0.113.7") == l.ClientKey("203.0.113.7") {
		t.Errorf("two secrets give the same key")
	}
	if _, err := New(nil, []byte("short"), true, nil); err == nil {
		t.Errorf("a short secret was accepted")
	}
}

func TestClientKeyGroupsIPv6By64(t *testing.T) {
	t.Parallel()
	l, err := New(nil, secret, true, func() time.Time { return time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC) })
	if err != nil {
		t.Fatal(err)
	}
	same := [][2]string{
		{"2001:db8:1:2::1", "2001:db8:1:2:ffff:ffff:ffff:fffe"},
		{"2001:db8:1:2::1", "2001:DB8:1:2:0:0:0:9"},
		{"192.0.2.7", "::ffff:192.0.2.7"},
	}
	for _, p := range same {
		if l.ClientKey(p[0]) != l.ClientKey(p[1]) {
			t.Errorf("%s and %s: got different keys, want one client", p[0], p[1])
		}
	}
	apart := [][2]string{
		{"2001:db8:1:2::1", "2001:db8:1:3::1"},
		{"192.0.2.7", "192.0.2.8"},
	}
	for _, p := range apart {
		if l.ClientKey(p[0]) == l.ClientKey(p[1]) {
			t.Errorf("%s and %s: got one key, want two clients", p[0], p[1])
		}
	}
}
