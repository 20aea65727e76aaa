package hashbudget

import (
	"context"
	"errors"
	"math"
	"runtime/debug"
	"testing"
	"time"
)

func TestAHashWaitsWhileTheBudgetIsSpentAndRunsWhenItIsFree(t *testing.T) {
	t.Parallel()
	b, err := New(20 * 1024)
	if err != nil {
		t.Fatal(err)
	}
	first, err := b.Acquire(context.Background(), 19*1024)
	if err != nil {
		t.Fatal(err)
	}
	// 1 MiB is left: a second 19 MiB hash must not start.
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := b.Acquire(ctx, 19*1024); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("second hash while the budget is spent: got %v, want it to wait until its deadline", err)
	}
	small, err := b.Acquire(context.Background(), 1024)
	if err != nil {
		t.Fatalf("a hash that fits in what is left: %v", err)
	}
	small()
	got := make(chan error, 1)
	go func() {
		release, err := b.Acquire(context.Background(), 19*1024)
		if err == nil {
			release()
		}
		got <- err
	}()
	first()
	if err := <-got; err != nil {
		t.Fatalf("after the first hash ended: %v", err)
	}
}

func TestAHashLargerThanTheBudgetRunsAlone(t *testing.T) {
	t.Parallel()
	b, _ := New(8 * 1024)
	release, err := b.Acquire(context.Background(), 64*1024)
	if err != nil {
		t.Fatalf("oversized hash: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := b.Acquire(ctx, 1); err == nil {
		t.Fatal("something ran beside a hash that holds the whole budget")
	}
	release()
}

func TestNewRefusesAnEmptyBudget(t *testing.T) {
	t.Parallel()
	if _, err := New(0); err == nil {
		t.Fatal("got a budget of 0 KiB")
	}
}

// Not parallel: it sets the process's memory limit.
func TestSizeTakesTheSettingThenGOMEMLIMITThenTheFallback(t *testing.T) {
	old := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(old) })
	debug.SetMemoryLimit(math.MaxInt64) // no limit
	if got := Size(0, 152*1024); got != 152*1024 {
		t.Errorf("no setting, no GOMEMLIMIT: got %d KiB, want the fallback 155648", got)
	}
	debug.SetMemoryLimit(400 << 20)
	if got := Size(0, 152*1024); got != 100*1024 {
		t.Errorf("GOMEMLIMIT 400 MiB: got %d KiB, want a quarter, 102400", got)
	}
	if got := Size(64, 152*1024); got != 64*1024 {
		t.Errorf("setting 64 MiB: got %d KiB, want 65536", got)
	}
}
