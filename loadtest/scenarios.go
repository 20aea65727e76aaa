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

// op is one request of a closed-loop scenario; it returns an error for any
// answer other than the expected one.
type op func(ctx context.Context, worker int) error

// env is what the scenarios share.
type env struct {
	client   *harness.Client
	pid      int // server pid for RSS, 0 = unknown
	storePID int
	conc     int
	dur      time.Duration
	// routineRate is how many routine reports a second the urgent row
	// sends beside its urgent ones (-routine-rate).
	routineRate int
	// urgentTrace, when set, is a file the urgent row writes one line per
	// report to (-urgent-trace).
	urgentTrace string
}

// closedLoop runs conc workers, each sending its next request when the last
// one is answered, for dur; it records every latency and failure.
func (e *env) closedLoop(ctx context.Context, name string, conc int, dur time.Duration, f op) result {
	srv, store := startSampler(e.pid), startSampler(e.storePID)
	var (
		mu        sync.Mutex
		lats      []time.Duration
		errs      atomic.Int64
		errSample atomic.Value
	)
	ctx, cancel := context.WithTimeout(ctx, dur)
	defer cancel()
	begin := time.Now()
	var wg sync.WaitGroup
	for w := range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			local := make([]time.Duration, 0, 1024)
			for ctx.Err() == nil {
				t0 := time.Now()
				err := f(context.WithoutCancel(ctx), w)
				d := time.Since(t0)
				if err != nil {
					errs.Add(1)
					errSample.CompareAndSwap(nil, err.Error())
				}
				local = append(local, d)
			}
			mu.Lock()
			lats = append(lats, local...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	r := result{Name: name, Requests: len(lats), Errors: int(errs.Load()), Elapsed: time.Since(begin), Lats: lats,
		PeakRSS: srv.Stop(), StoreRSS: store.Stop()}
	if s, ok := errSample.Load().(string); ok {
		r.ErrSample = truncate(s, 160)
	}
	return r
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

func expect(res harness.Response, err error, want int) error {
	if err != nil {
		return err
	}
	if res.Status != want {
		return fmt.Errorf("got %d, want %d: %s", res.Status, want, truncate(string(res.Body), 120))
	}
	return nil
}

// contentList: GET /v1/content, the app's first screen.
func (e *env) contentList(ctx context.Context) result {
	r := e.closedLoop(ctx, "content listing GET /v1/content", e.conc, e.dur, func(ctx context.Context, _ int) error {
		res, err := e.client.Do(ctx, harness.Request{Method: http.MethodGet, Path: "/v1/content"})
		return expect(res, err, http.StatusOK)
	})
	return r
}

// contentNotModified: the same list revalidated with its ETag → 304.
func (e *env) contentNotModified(ctx context.Context) result {
	first, err := e.client.Do(ctx, harness.Request{Method: http.MethodGet, Path: "/v1/content"})
	etag := first.Header.Get("ETag")
	if err != nil || etag == "" {
		return result{Name: "content 304 (If-None-Match)", Note: fmt.Sprintf("skipped: no ETag on /v1/content (%v)", err)}
	}
	return e.closedLoop(ctx, "content 304 (If-None-Match)", e.conc, e.dur, func(ctx context.Context, _ int) error {
		res, err := e.client.Do(ctx, harness.Request{Method: http.MethodGet, Path: "/v1/content",
			Headers: map[string]string{"If-None-Match": etag}})
		return expect(res, err, http.StatusNotModified)
	})
}

// intake: POST /v1/reports, not urgent, a fresh Idempotency-Key and client
// address each time.
func (e *env) intake(ctx context.Context, forceCode string) result {
	return e.closedLoop(ctx, "report intake POST /v1/reports", e.conc, e.dur, func(ctx context.Context, _ int) error {
		status, _, err := e.client.SubmitReport(ctx, harness.ReportBody(forceCode, false, ""), "lt-"+harness.RandomHex(16))
		if err != nil {
			return err
		}
		if status != http.StatusCreated {
			return fmt.Errorf("got %d, want 201", status)
		}
		return nil
	})
}

// reporterCase: a child's app polling their case. Sessions are opened once
// (each costs a slow receipt hash, measured by intake already); the row
// measures GET /v1/reporter/case.
func (e *env) reporterCase(ctx context.Context, forceCode string, cases int) result {
	name := "reporter case view GET /v1/reporter/case"
	tokens := make([]string, 0, cases)
	for range cases {
		status, rc, err := e.client.SubmitReport(ctx, harness.ReportBody(forceCode, false, ""), "lt-"+harness.RandomHex(16))
		if err != nil || status != http.StatusCreated {
			return result{Name: name, Note: fmt.Sprintf("set-up failed: report %d %v", status, err)}
		}
		tok, err := e.client.ReporterSession(ctx, rc)
		if err != nil {
			return result{Name: name, Note: "set-up failed: session: " + err.Error()}
		}
		tokens = append(tokens, tok)
	}
	return e.closedLoop(ctx, name, e.conc, e.dur, func(ctx context.Context, w int) error {
		res, err := e.client.Do(ctx, harness.Request{Method: http.MethodGet, Path: "/v1/reporter/case", Token: tokens[w%len(tokens)]})
		return expect(res, err, http.StatusOK)
	})
}

// officerQueue: GET /v1/cases, the first page of the force's queue.
func (e *env) officerQueue(ctx context.Context, token string, dur time.Duration) result {
	return e.closedLoop(ctx, "officer queue GET /v1/cases", e.conc, dur, func(ctx context.Context, _ int) error {
		res, err := e.client.Do(ctx, harness.Request{Method: http.MethodGet, Path: "/v1/cases?limit=25", Token: token})
		return expect(res, err, http.StatusOK)
	})
}
