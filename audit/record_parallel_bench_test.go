package audit

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"speaksafe/dbtest"
)

// BenchmarkRecordConcurrent appends b.N entries from 16 goroutines at once
// (the load of many audited requests in one instance) and reports
// entries/s: how well concurrent actions share the chain.
func BenchmarkRecordConcurrent(b *testing.B) {
	const callers = 16
	l := New(dbtest.New(b), nil, nil)
	ctx := context.Background()
	var next atomic.Int64
	b.ResetTimer()
	var wg sync.WaitGroup
	for g := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(b.N) {
				e := Entry{Actor: fmt.Sprint("u", g), Action: "case.viewed", ObjectType: "case",
					ObjectID: fmt.Sprint("c", next.Load()%64), Detail: map[string]string{"k": "v"}}
				if err := l.Record(ctx, e); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "entries/s")
}
