package main

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"speaksafe/internal/harness"
)

// loginFloodLimit is issue 14's memory goal for a flood of sign-ins.
const loginFloodLimit = 300 << 20

// loginFlood sends n sign-ins at once, each from its own client address
// (so per-client throttling does not hold them back), with the right
// password, and records the server's peak RSS while they are answered. Each
// costs an Argon2id verification: the row shows that the shared hash memory
// budget, not the number of sign-ins, bounds the server's memory. 200 and
// 429 (wait for a share of the budget or the sign-in gate ran out) are both
// expected; anything else is an error.
func (e *env) loginFlood(ctx context.Context, email, password string, n int) result {
	srv := startSampler(e.pid)
	var (
		mu              sync.Mutex
		lats            []time.Duration
		ok, limited     atomic.Int64
		errs            atomic.Int64
		errSample       atomic.Value
		start, finished sync.WaitGroup
	)
	start.Add(1)
	for range n {
		finished.Add(1)
		go func() {
			defer finished.Done()
			start.Wait()
			t0 := time.Now()
			res, err := e.client.Do(ctx, harness.Request{Method: http.MethodPost, Path: "/v1/auth/login",
				Body:    map[string]string{"email": email, "password": password},
				Headers: map[string]string{"X-Forwarded-For": harness.ClientAddr()}})
			d := time.Since(t0)
			switch {
			case err == nil && res.Status == http.StatusOK:
				ok.Add(1)
			case err == nil && res.Status == http.StatusTooManyRequests:
				limited.Add(1)
			default:
				errs.Add(1)
				errSample.CompareAndSwap(nil, fmt.Sprint(expect(res, err, http.StatusOK)))
			}
			mu.Lock()
			lats = append(lats, d)
			mu.Unlock()
		}()
	}
	begin := time.Now()
	start.Done()
	finished.Wait()
	r := result{Name: fmt.Sprintf("login flood: %d sign-ins at once", n), Requests: n, Errors: int(errs.Load()),
		Elapsed: time.Since(begin), Lats: lats, PeakRSS: srv.Stop()}
	verdict := "✓"
	if r.PeakRSS > loginFloodLimit || r.PeakRSS == 0 {
		verdict = "✗"
	}
	r.Note = fmt.Sprintf("%d × 200, %d × 429; server RSS peak %s MiB against the goal ≤ 300 MiB %s",
		ok.Load(), limited.Load(), mib(r.PeakRSS), verdict)
	if s, ok := errSample.Load().(string); ok {
		r.ErrSample = truncate(s, 160)
	}
	return r
}
