package reports

import (
	"context"
	"fmt"
	"testing"
	"time"

	"speaksafe/dbtest"
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

// BenchmarkQueueFirstPage measures the first page of a force's open queue
// from the instance's copy with open cases open in the measured force and
// as many in another: 500 is the growth run's measured force at 10 000
// stored cases, 5 000 at 100 000. A page should cost the same at both.
//
//	go test ./reports/ -run '^$' -bench QueueFirstPage -benchtime 200x
func BenchmarkQueueFirstPage(b *testing.B) {
	for _, open := range []int{500, 5000} {
		b.Run(fmt.Sprintf("open=%d", open), func(b *testing.B) {
			e := newEnv(b)
			ctx := context.Background()
			for done := 0; done < 2*open; {
				batch := make([]SeedCase, 0, 500)
				for ; done < 2*open && len(batch) < 500; done++ {
					r := routine(fmt.Sprintf("case %d", done))
					if done%2 == 1 {
						r.ForceCode = "CD"
					}
					batch = append(batch, SeedCase{Report: r, At: e.clock.Now().Add(time.Duration(done) * time.Second)})
				}
				if err := e.store.Seed(ctx, batch); err != nil {
					b.Fatal(err)
				}
			}
			dbtest.IndexIDPaths(b)
			officer := officerA()
			if _, err := e.store.Queue(officer, QueueFilter{}); err != nil { // builds the copy
				b.Fatal(err)
			}
			for b.Loop() {
				if _, err := e.store.Queue(officer, QueueFilter{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
