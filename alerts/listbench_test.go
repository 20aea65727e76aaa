package alerts

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// BenchmarkAlertList measures the first page (50 alerts) of the alert list
// with 100, 1 000 and 5 000 alerts of the force stored on the embedded
// store: a page reads its own slots by _id, so its time stays flat. Each
// iteration also runs, as the reference in the same conditions, the query
// the list used before the slots (the force's alerts sorted by openedAt,
// which the embedded store answers by decoding every alert). p50-ms is the
// page's median, scan-p50-ms the reference's.
// Run: go test -run '^$' -bench AlertList -benchtime 100x ./alerts
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
			var page, scan []time.Duration
			b.ResetTimer()
			for range b.N {
				start := time.Now()
				items, next, err := reader.Page(as, 50, "")
				page = append(page, time.Since(start))
				if err != nil || len(items) != 50 || next == "" {
					b.Fatalf("page: %d alerts, next %q, %v", len(items), next, err)
				}
				start = time.Now()
				scanned := benchScanPage(b, h, 50)
				scan = append(scan, time.Since(start))
				if scanned != 50 {
					b.Fatalf("reference: %d alerts", scanned)
				}
			}
			b.StopTimer()
			b.ReportMetric(median(page), "p50-ms")
			b.ReportMetric(median(scan), "scan-p50-ms")
		})
	}
}

// benchScanPage is the list's query before the slots.
func benchScanPage(b *testing.B, h *harness, limit int) int {
	f := bson.D{{Key: "forceId", Value: testForce}, {Key: "state", Value: bson.D{{Key: "$ne", Value: StateVoided}}}}
	cur, err := h.db.Collection(colAlerts).Find(context.Background(), f,
		options.Find().SetSort(bson.D{{Key: "openedAt", Value: -1}}).SetLimit(int64(limit)))
	if err != nil {
		b.Fatal(err)
	}
	var out []Alert
	if err := cur.All(context.Background(), &out); err != nil {
		b.Fatal(err)
	}
	return len(out)
}

func median(ds []time.Duration) float64 {
	slices.Sort(ds)
	return float64(ds[len(ds)/2]) / float64(time.Millisecond)
}
