package main

import (
	"bufio"
	"fmt"
	"os"
	"time"
)

// urgentTrace writes, per urgent report, when it was sent (ms since the
// row began), how long its request took and how long from sending to its
// page, so that a slow tail can be matched to what ran at that moment.
type urgentTrace struct {
	f     *os.File
	w     *bufio.Writer
	begin time.Time
}

func newUrgentTrace(path string, begin time.Time) *urgentTrace {
	if path == "" {
		return nil
	}
	f, err := os.Create(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadtest: urgent trace:", err)
		return nil
	}
	t := &urgentTrace{f: f, w: bufio.NewWriter(f), begin: begin}
	fmt.Fprintln(t.w, "sent_ms,request_ms,page_ms")
	return t
}

func (t *urgentTrace) add(sent, answered, paged time.Time) {
	if t == nil {
		return
	}
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	fmt.Fprintf(t.w, "%.1f,%.1f,%.1f\n", ms(sent.Sub(t.begin)), ms(answered.Sub(sent)), ms(paged.Sub(sent)))
}

func (t *urgentTrace) close() {
	if t == nil {
		return
	}
	_ = t.w.Flush()
	_ = t.f.Close()
}
