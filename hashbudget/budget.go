// Package hashbudget bounds the memory that Argon2 hashes hold at once,
// across every user of Argon2 in the process (password hashing and
// verification, receipts hashed before keyed hashes). Each hash allocates
// its whole memory parameter for as long as it runs, so a flood of logins
// is a flood of allocations: one budget shared by all of them keeps the
// process's peak memory known whatever arrives.
package hashbudget

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime/debug"

	"golang.org/x/sync/semaphore"
)

// Budget is a memory budget in KiB that hashes acquire before they run and
// release when they end. It is safe for concurrent use.
type Budget struct {
	kib int64
	sem *semaphore.Weighted
}

// New returns a budget of kib KiB, which must be positive.
func New(kib int64) (*Budget, error) {
	if kib < 1 {
		return nil, errors.New("hashbudget: budget must be positive")
	}
	return &Budget{kib: kib, sem: semaphore.NewWeighted(kib)}, nil
}

// KiB returns the size of the budget.
func (b *Budget) KiB() int64 { return b.kib }

// Acquire waits until kib KiB of the budget are free and takes them. A hash
// larger than the whole budget takes all of it, so it runs alone rather
// than never. It returns ctx's error when ctx ends first; call the release
// function exactly once when the hash is done.
func (b *Budget) Acquire(ctx context.Context, kib uint32) (release func(), err error) {
	n := min(int64(kib), b.kib)
	if n < 1 {
		n = 1
	}
	if err := b.sem.Acquire(ctx, n); err != nil {
		return nil, fmt.Errorf("hashbudget: %w", err)
	}
	return func() { b.sem.Release(n) }, nil
}

// Size chooses the budget in KiB: setMiB when it is set (> 0); otherwise a
// quarter of the Go memory limit (GOMEMLIMIT) when one is set, because the
// garbage collector may need as much again for hashes that just ended and
// the rest of the server needs the remainder; otherwise fallbackKiB.
func Size(setMiB int, fallbackKiB int64) int64 {
	if setMiB > 0 {
		return int64(setMiB) * 1024
	}
	if limit := debug.SetMemoryLimit(-1); limit > 0 && limit < math.MaxInt64 {
		return max(limit/4/1024, 1)
	}
	return fallbackKiB
}
