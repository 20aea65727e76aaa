package reports

import (
	"context"
	"fmt"
	"testing"
)

// BenchmarkQueue measures one page of a force's queue and one case open on
// the embedded store with n cases stored (half of them another force's).
// The embedded store scans the cases collection for the queue filter; the
// open is by _id.
func BenchmarkQueue(b *testing.B) {
	for _, n := range []int{300, 3000} {
		e := newEnv(b)
		var last Submission
		for i := range n {
			r := routine(fmt.Sprintf("case %d", i))
			if i%2 == 1 {
				r.ForceCode = "CD"
			}
			if i%10 == 0 {
				r.Answers.InDangerNow = true
			}
			last = e.submit(b, r)
		}
		ctx := officerA()
		b.Run(fmt.Sprintf("page/cases=%d", n), func(b *testing.B) {
			for b.Loop() {
				if _, err := e.store.Queue(ctx, QueueFilter{}); err != nil {
					b.Fatal(err)
				}
			}
		})
		id := last.CaseID
		if _, err := e.store.Case(officerA(), id); err != nil {
			// the last case belongs to force B when n is even
			id = ""
		}
		b.Run(fmt.Sprintf("exists/cases=%d", n), func(b *testing.B) {
			for b.Loop() {
				if _, err := e.store.CaseExists(context.Background(), last.CaseID); err != nil {
					b.Fatal(err)
				}
			}
		})
		_ = id
	}
}
