package testsupport

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"
)

func TestManualClockMovesOnlyWhenTold(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	c := NewClock(start)
	if got := c.Now(); !got.Equal(start) {
		t.Fatalf("got %v, want %v", got, start)
	}
	c.Advance(time.Minute)
	if err := c.Sleep(context.Background(), time.Hour); err != nil {
		t.Fatal(err)
	}
	if got, want := c.Now(), start.Add(61*time.Minute); !got.Equal(want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestFreeAddrCanBeListenedOn(t *testing.T) {
	t.Parallel()
	addr, err := FreeAddr()
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("listen on %s: %v", addr, err)
	}
	_ = l.Close()
}

func TestEventuallyReportsTheLastError(t *testing.T) {
	t.Parallel()
	calls := 0
	err := Eventually(context.Background(), time.Hour, time.Millisecond, func() (bool, error) {
		calls++
		return calls == 3, nil
	})
	if err != nil || calls != 3 {
		t.Errorf("got %v after %d calls, want success after 3", err, calls)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err = Eventually(ctx, time.Hour, time.Millisecond, func() (bool, error) { return false, errors.New("not yet") })
	if !errors.Is(err, context.Canceled) {
		t.Errorf("got %v, want the context's error", err)
	}
	err = Eventually(context.Background(), 0, time.Millisecond, func() (bool, error) { return false, errors.New("not yet") })
	if err == nil || !strings.Contains(err.Error(), "not yet") {
		t.Errorf("got %v, want a timeout naming the last error", err)
	}
}
