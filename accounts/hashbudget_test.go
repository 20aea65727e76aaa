package accounts

import (
	"context"
	"errors"
	"testing"
	"time"

	"speaksafe/hashbudget"
)

// SECURITY 4: password hashing shares one memory budget with every other
// Argon2 user of the process, so a login flood cannot add hashes beyond it.
func TestPasswordHashesWaitForTheSharedBudget(t *testing.T) {
	t.Parallel()
	p := Argon2Params{Time: 1, MemoryKiB: 8 * 1024, Threads: 1, MaxConcurrent: 4}
	budget, err := hashbudget.New(int64(p.MemoryKiB))
	if err != nil {
		t.Fatal(err)
	}
	h, err := NewHasher(p, budget)
	if err != nil {
		t.Fatal(err)
	}
	encoded, err := h.Hash(context.Background(), "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	// Another Argon2 user (a receipt check) holds the whole budget.
	release, err := budget.Acquire(context.Background(), 8*1024)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := h.Verify(ctx, "correct horse battery", encoded); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("verify while the budget is spent: got %v, want it to wait", err)
	}
	release()
	ok, err := h.Verify(context.Background(), "correct horse battery", encoded)
	if err != nil || !ok {
		t.Fatalf("verify once the budget is free: got %v, %v", ok, err)
	}
}
