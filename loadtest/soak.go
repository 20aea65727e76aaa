package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"speaksafe/internal/harness"
	"speaksafe/internal/testsupport"
)

// soak sends a steady mixed load, open loop at rate requests per second,
// for dur, and prints a line per interval: requests, errors, p99 and the
// server's and store's RSS. It ends with the verdict the issue asks for: no
// error and flat memory (the last interval's RSS against the median of the
// first quarter's).
func soak(ctx context.Context, e *env, w io.Writer, intake, urgent harness.Force, pc *pageClock, rate int, dur, every time.Duration) error {
	etag := ""
	if res, err := e.client.Do(ctx, harness.Request{Method: http.MethodGet, Path: "/v1/content"}); err == nil {
		etag = res.Header.Get("ETag")
	}
	_, rc, err := e.client.SubmitReport(ctx, harness.ReportBody(intake.Code, false, ""), "soak-"+harness.RandomHex(16))
	if err != nil {
		return err
	}
	tok, err := e.client.ReporterSession(ctx, rc)
	if err != nil {
		return err
	}
	// Reporter sessions last 30 minutes and access tokens 15: both are
	// renewed every 10 minutes, as the apps do.
	var reporter atomic.Value
	reporter.Store(tok)
	var officer atomic.Value
	officer.Store(intake.Officer.Token)
	mix := []func(ctx context.Context) error{}
	add := func(n int, f func(ctx context.Context) error) {
		for range n {
			mix = append(mix, f)
		}
	}
	add(10, func(ctx context.Context) error { // content list
		res, err := e.client.Do(ctx, harness.Request{Method: http.MethodGet, Path: "/v1/content"})
		return expect(res, err, http.StatusOK)
	})
	add(4, func(ctx context.Context) error { // content 304
		res, err := e.client.Do(ctx, harness.Request{Method: http.MethodGet, Path: "/v1/content", Headers: map[string]string{"If-None-Match": etag}})
		return expect(res, err, http.StatusNotModified)
	})
	add(2, func(ctx context.Context) error { // report intake
		status, _, err := e.client.SubmitReport(ctx, harness.ReportBody(intake.Code, false, ""), "soak-"+harness.RandomHex(16))
		return expect(harness.Response{Status: status}, err, http.StatusCreated)
	})
	add(2, func(ctx context.Context) error { // reporter case view
		res, err := e.client.Do(ctx, harness.Request{Method: http.MethodGet, Path: "/v1/reporter/case", Token: reporter.Load().(string)})
		return expect(res, err, http.StatusOK)
	})
	add(1, func(ctx context.Context) error { // officer queue
		res, err := e.client.Do(ctx, harness.Request{Method: http.MethodGet, Path: "/v1/cases?limit=25", Token: officer.Load().(string)})
		return expect(res, err, http.StatusOK)
	})
	add(1, func(ctx context.Context) error { // urgent report (pages the fake FCM)
		status, _, err := e.client.SubmitReport(ctx, harness.ReportBody(urgent.Code, true, ""), "soak-u-"+harness.RandomHex(16))
		return expect(harness.Response{Status: status}, err, http.StatusCreated)
	})

	fmt.Fprintf(w, "\n### Soak: %d requests/s open loop for %s (mix per 20: 10 content list, 4 content 304, 2 intake, 2 reporter case view, 1 officer queue, 1 urgent report)\n\n", rate, dur)
	fmt.Fprintln(w, "| minute | requests | errors | p50 ms | p99 ms | server RSS MiB | store RSS MiB | urgent paged / sent | an error of the minute |")
	fmt.Fprintln(w, "|---:|---:|---:|---:|---:|---:|---:|---:|---|")
	var (
		mu         sync.Mutex
		win        result
		totalReq   int
		totalErr   int
		rssSeries  []int64
		urgentSent atomic.Int64
		wg         sync.WaitGroup
		sample     string
		kinds      = map[string]int{}
	)
	tick := time.NewTicker(time.Second / time.Duration(rate))
	defer tick.Stop()
	report := time.NewTicker(every)
	defer report.Stop()
	relogin := time.NewTicker(10 * time.Minute)
	defer relogin.Stop()
	begin := time.Now()
	i := 0
	for time.Since(begin) < dur && ctx.Err() == nil {
		select {
		case <-relogin.C:
			if tok, err := e.client.Login(ctx, intake.Officer.Email, intake.Officer.Password); err == nil {
				officer.Store(tok)
			}
			if tok, err := e.client.ReporterSession(ctx, rc); err == nil {
				reporter.Store(tok)
			}
		case <-report.C:
			mu.Lock()
			srv, st := readStatusKB(e.pid, "VmRSS"), readStatusKB(e.storePID, "VmRSS")
			rssSeries = append(rssSeries, srv)
			fmt.Fprintf(w, "| %.0f | %d | %d | %s | %s | %s | %s | %d / %d | %s |\n", time.Since(begin).Minutes(), win.Requests, win.Errors,
				ms(win.pct(0.5)), ms(win.pct(0.99)), mib(srv), mib(st), pc.count(), urgentSent.Load(), strings.ReplaceAll(win.ErrSample, "|", "/"))
			totalReq += win.Requests
			totalErr += win.Errors
			win = result{}
			mu.Unlock()
		case <-tick.C:
			f := mix[i%len(mix)]
			isUrgent := i%len(mix) == len(mix)-1
			i++
			wg.Add(1)
			go func() {
				defer wg.Done()
				t0 := time.Now()
				err := f(ctx)
				d := time.Since(t0)
				if isUrgent && err == nil {
					urgentSent.Add(1)
				}
				mu.Lock()
				defer mu.Unlock()
				win.Requests++
				win.Lats = append(win.Lats, d)
				if err != nil {
					win.Errors++
					if win.ErrSample == "" {
						win.ErrSample = truncate(err.Error(), 100)
					}
					kinds[truncate(err.Error(), 60)]++
					if sample == "" {
						sample = err.Error()
					}
				}
			}()
		}
	}
	wg.Wait()
	_ = testsupport.Eventually(ctx, time.Minute, 100*time.Millisecond, func() (bool, error) {
		return int64(pc.count()) >= urgentSent.Load(), nil
	})
	mu.Lock()
	defer mu.Unlock()
	totalReq += win.Requests
	totalErr += win.Errors
	verdict := "flat"
	if n := len(rssSeries); n >= 4 {
		first := rssSeries[n/4]
		last := rssSeries[n-1]
		if float64(last) > 1.25*float64(first) {
			verdict = fmt.Sprintf("GREW: %s MiB at the first quarter, %s MiB at the end", mib(first), mib(last))
		} else {
			verdict = fmt.Sprintf("flat: %s MiB at the first quarter, %s MiB at the end", mib(first), mib(last))
		}
	}
	fmt.Fprintf(w, "\nsoak total: %d requests, %d errors, urgent paged %d of %d, server VmHWM %s MiB; memory %s\n",
		totalReq, totalErr, pc.count(), urgentSent.Load(), mib(readStatusKB(e.pid, "VmHWM")), verdict)
	if sample != "" {
		fmt.Fprintf(w, "first error: %s\n", truncate(sample, 400))
		for k, n := range kinds {
			fmt.Fprintf(w, "- %d × %s\n", n, k)
		}
	}
	if totalErr > 0 {
		fmt.Fprintln(os.Stderr, "soak: errors seen")
	}
	return nil
}
