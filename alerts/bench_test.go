package alerts

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"speaksafe/fcmfake"
)

// BenchmarkReportToPage measures the time from Open (the report about to
// be stored) to the fake FCM receiving the page, at 20 urgent alerts a
// second on the embedded store, with the audit-free engine and real clock.
// Run: go test -run '^$' -bench ReportToPage -benchtime 1x ./alerts
func BenchmarkReportToPage(b *testing.B) {
	for range b.N {
		benchReportToPage(b, 20, 10*time.Second)
	}
}

func benchReportToPage(b *testing.B, perSecond int, span time.Duration) {
	h := newBenchHarness(b)
	d := h.dispatcher()
	var mu sync.Mutex
	opened := map[string]time.Time{}
	var lat []time.Duration
	h.fcm.OnRequest(func(r fcmfake.Request) {
		var body struct {
			Message struct {
				Data map[string]string `json:"data"`
			} `json:"message"`
		}
		_ = json.Unmarshal(r.Body, &body)
		mu.Lock()
		defer mu.Unlock()
		if at, ok := opened[body.Message.Data["alertId"]]; ok && r.Delivered() {
			lat = append(lat, time.Since(at))
		}
	})
	total := int(span.Seconds()) * perSecond
	tick := time.NewTicker(time.Second / time.Duration(perSecond))
	defer tick.Stop()
	b.ResetTimer()
	for i := range total {
		<-tick.C
		id := fmt.Sprintf("bench-%06d", i)
		mu.Lock()
		opened[id] = time.Now()
		mu.Unlock()
		if err := d.Open(context.Background(), id, testForce, time.Now()); err != nil {
			b.Fatal(err)
		}
		h.cases.store(id)
		d.Start(id)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := h.fcm.WaitDelivered(ctx, total); err != nil {
		b.Fatalf("pages: %v", err)
	}
	b.StopTimer()
	mu.Lock()
	defer mu.Unlock()
	slices.Sort(lat)
	pct := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))]) / float64(time.Millisecond) }
	b.ReportMetric(pct(0.5), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(float64(lat[len(lat)-1])/float64(time.Millisecond), "max-ms")
	b.ReportMetric(float64(len(lat)), "pages")
}
