package server

import (
	"io"
	"log/slog"
	"math"
	"testing"
)

// Without GOMEMLIMIT the server limits its memory to the hash budget plus
// headroom; an operator's limit is kept.
func TestTheMemoryLimitFollowsTheHashBudgetUnlessTheOperatorSetOne(t *testing.T) {
	t.Parallel()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, c := range []struct {
		name      string
		current   int64
		wantLimit int64
	}{
		{"no GOMEMLIMIT", math.MaxInt64, 152<<20 + memoryHeadroom},
		{"GOMEMLIMIT=1GiB", 1 << 30, 1 << 30},
	} {
		limit := c.current
		set := func(n int64) int64 {
			prev := limit
			if n >= 0 {
				limit = n
			}
			return prev
		}
		limitMemoryForHashes(152*1024, set, log)
		if limit != c.wantLimit {
			t.Errorf("%s: limit %d MiB, want %d MiB", c.name, limit>>20, c.wantLimit>>20)
		}
	}
	if 152<<20+memoryHeadroom > 300<<20 {
		t.Errorf("the default limit %d MiB is above issue 14's 300 MiB for a login flood", (152<<20+memoryHeadroom)>>20)
	}
}
