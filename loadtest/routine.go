package main

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	"speaksafe/internal/harness"
)

// routineCount is what the routine reports sent beside another row got.
type routineCount struct {
	sent, created, serverErrors, other int
}

func (r routineCount) String() string {
	return fmt.Sprintf("routine reports alongside: %d sent, %d × 201, %d × 5xx, %d other", r.sent, r.created, r.serverErrors, r.other)
}

// routineAlongside sends routine (not urgent) reports for forceCode
// open-loop at rate per second until the returned stop is called, which
// waits for the last answers and says what they were. A rate of 0 sends
// nothing.
func (e *env) routineAlongside(ctx context.Context, forceCode string, rate int) (stop func() routineCount) {
	if rate <= 0 {
		return func() routineCount { return routineCount{} }
	}
	var (
		mu  sync.Mutex
		got routineCount
		wg  sync.WaitGroup
	)
	done := make(chan struct{})
	loopDone := make(chan struct{})
	go func() {
		defer close(loopDone)
		tick := time.NewTicker(time.Second / time.Duration(rate))
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				status, _, err := e.client.SubmitReport(ctx, harness.ReportBody(forceCode, false, ""), "lt-r-"+harness.RandomHex(16))
				mu.Lock()
				defer mu.Unlock()
				got.sent++
				switch {
				case err == nil && status == http.StatusCreated:
					got.created++
				case err == nil && status >= 500:
					got.serverErrors++
				default:
					got.other++
				}
			}()
		}
	}()
	return func() routineCount {
		close(done)
		<-loopDone
		wg.Wait()
		mu.Lock()
		defer mu.Unlock()
		return got
	}
}
