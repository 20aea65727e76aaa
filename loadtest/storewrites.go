package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"speaksafe/internal/harness"
)

// storeWriteCommands are the store commands that change documents, as the
// server counts them in speaksafe_store_commands_total.
var storeWriteCommands = []string{"insert", "update", "delete", "findAndModify"}

// storeWrites reads how many writing commands the server has sent to its
// store so far, from its /metrics. ok is false when the server does not
// publish the count.
func (e *env) storeWrites(ctx context.Context) (n float64, ok bool) {
	res, err := e.client.Do(ctx, harness.Request{Method: http.MethodGet, Path: "/metrics"})
	if err != nil || res.Status != http.StatusOK {
		return 0, false
	}
	return sumStoreWrites(bytes.NewReader(res.Body))
}

// sumStoreWrites adds up the writing commands of a Prometheus text exposition.
func sumStoreWrites(r io.Reader) (n float64, ok bool) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		for _, cmd := range storeWriteCommands {
			prefix := fmt.Sprintf("speaksafe_store_commands_total{command=%q} ", cmd)
			if v, found := strings.CutPrefix(line, prefix); found {
				f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
				if err != nil {
					return 0, false
				}
				n, ok = n+f, true
			}
		}
	}
	return n, ok
}

// withStoreWrites runs row and notes in its result how many store writes
// each successful request cost on average (every write the server made
// during the row, background work included, over the row's successes).
func (e *env) withStoreWrites(ctx context.Context, row func() result) result {
	before, okBefore := e.storeWrites(ctx)
	r := row()
	after, okAfter := e.storeWrites(ctx)
	ok := r.Requests - r.Errors
	if okBefore && okAfter && ok > 0 {
		r.WritesPerOp = (after - before) / float64(ok)
		r.Note = strings.TrimSpace(fmt.Sprintf("%s %.1f store writes per request", r.Note, r.WritesPerOp))
	}
	return r
}

// printIntakeAgainstStore compares intake's write rate (reports/s × store
// writes per report) with the raw-insert reference of the same run:
// issue 14's goal 2 wants at least 0.6 of it.
func printIntakeAgainstStore(w io.Writer, rows []result) {
	var intake, raw *result
	for i := range rows {
		switch {
		case strings.HasPrefix(rows[i].Name, "report intake"):
			intake = &rows[i]
		case strings.HasPrefix(rows[i].Name, "reference: raw driver InsertOne"):
			raw = &rows[i]
		}
	}
	if intake == nil || raw == nil || intake.WritesPerOp == 0 || raw.rate() == 0 {
		return
	}
	writes := intake.rate() * intake.WritesPerOp
	ratio := writes / raw.rate()
	mark := "✗"
	if ratio >= 0.6 {
		mark = "✓"
	}
	fmt.Fprintf(w, "\nintake against the store: %.1f reports/s × %.1f store writes per report = %.0f writes/s; raw inserts %.0f/s; ratio %.2f× (goal ≥ 0.6×) %s\n",
		intake.rate(), intake.WritesPerOp, writes, raw.rate(), ratio, mark)
}
