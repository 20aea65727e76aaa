package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// result is one measured row.
type result struct {
	Name     string
	Requests int
	Errors   int
	Elapsed  time.Duration
	Lats     []time.Duration
	PeakRSS  int64 // server VmRSS peak during the row, bytes (0 = not sampled)
	StoreRSS int64 // store process VmRSS peak, bytes (0 = not sampled)
	Note     string
	// WritesPerOp is how many store writes each successful request cost
	// (0 = not counted); see withStoreWrites.
	WritesPerOp float64
	// ErrSample is one example of a failure, to say what went wrong.
	ErrSample string
}

func (r result) rate() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Requests-r.Errors) / r.Elapsed.Seconds()
}

func (r result) pct(p float64) time.Duration {
	if len(r.Lats) == 0 {
		return 0
	}
	s := slices.Clone(r.Lats)
	slices.Sort(s)
	i := int(p*float64(len(s))+0.5) - 1
	i = max(0, min(i, len(s)-1))
	return s[i]
}

func ms(d time.Duration) string {
	return fmt.Sprintf("%.1f", float64(d.Microseconds())/1000)
}

func mib(b int64) string {
	if b == 0 {
		return "–"
	}
	return fmt.Sprintf("%.0f", float64(b)/(1<<20))
}

// printTable writes rows as a Markdown table (it reads well in a terminal
// and pastes into docs/PERFORMANCE.md as it is).
func printTable(w io.Writer, title string, rows []result) {
	fmt.Fprintf(w, "\n### %s\n\n", title)
	fmt.Fprintln(w, "| scenario | ok/s | p50 ms | p95 ms | p99 ms | requests | errors | server RSS peak MiB | store RSS peak MiB | note |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
	for _, r := range rows {
		note := r.Note
		if r.ErrSample != "" {
			note = strings.TrimSpace(note + " first error: " + r.ErrSample)
		}
		fmt.Fprintf(w, "| %s | %.1f | %s | %s | %s | %d | %d | %s | %s | %s |\n",
			r.Name, r.rate(), ms(r.pct(0.50)), ms(r.pct(0.95)), ms(r.pct(0.99)), r.Requests, r.Errors,
			mib(r.PeakRSS), mib(r.StoreRSS), strings.ReplaceAll(note, "|", "/"))
	}
}
