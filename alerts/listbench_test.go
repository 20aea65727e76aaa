package alerts

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// BenchmarkAlertList measures the first page (50 alerts) of the alert list
// with 100, 1 000 and 5 000 alerts of the force stored on the embedded
// store: a page reads its own slots by _id, so its time stays flat.
// Run: go test -run '^$' -bench AlertList -benchtime 200x ./alerts
func BenchmarkAlertList(b *testing.B) {
	for _, stored := range []int{100, 1000, 5000} {
		b.Run(fmt.Sprintf("stored=%d", stored), func(b *testing.B) {
			h := newBenchHarness(b)
			d := h.dispatcher()
			ctx, at := context.Background(), time.Now()
			for i := range stored {
				id := fmt.Sprintf("bench-list-%06d", i)
				if err := d.Open(ctx, id, testForce, at.Add(time.Duration(i)*time.Millisecond)); err != nil {
					b.Fatal(err)
				}
				h.cases.store(id)
			}
			reader := h.dispatcher() // another instance: it finds the newest slot itself
			as := h.as("off1")
			b.ResetTimer()
			for range b.N {
				items, next, err := reader.Page(as, 50, "")
				if err != nil || len(items) != 50 || next == "" {
					b.Fatalf("page: %d alerts, next %q, %v", len(items), next, err)
				}
			}
		})
	}
}
