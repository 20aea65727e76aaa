package handlers_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/argon2"

	"speaksafe/apptest"
	"speaksafe/server"
)

// reportsProductionArgon2 keeps the receipt hash at the cost production pays, so
// that the two benchmarks below compare like with like.
func reportsProductionArgon2(c *server.Config) {
	def, _ := server.LoadConfig(func(string) string { return "" })
	c.Argon2 = def.Argon2
}

// BenchmarkSubmitReport measures POST /v1/reports end to end (decode,
// validate, force lookup, receipt hash, reference claim, idempotency claim,
// encryption, case insert) on the embedded store, with production Argon2id
// parameters. Compare its ns/op with BenchmarkReceiptHashAlone.
func BenchmarkSubmitReport(b *testing.B) {
	app := apptest.New(b, apptest.WithConfig(reportsProductionArgon2), apptest.WithoutWorkers(),
		apptest.WithConfig(func(c *server.Config) { c.TrustedProxies = []string{"0.0.0.0"} }))
	force := app.CreateForce(b, "")
	body, _ := json.Marshal(routineReport(force.Code, strings.Repeat("he keeps messaging me and sending gifts. ", 20)))
	var seq atomic.Int64
	var mu sync.Mutex
	var lat []time.Duration
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			n := seq.Add(1)
			r := httptest.NewRequest("POST", "/v1/reports", bytes.NewReader(body))
			r.Header.Set("Content-Type", "application/json")
			r.Header.Set("Idempotency-Key", fmt.Sprintf("bench-key-%016d", n))
			// Fiber's test connection is the trusted 0.0.0.0, so each request
			// names its own client and stays under the per-client limit.
			r.Header.Set("X-Forwarded-For", fmt.Sprintf("10.%d.%d.%d", n>>16&255, n>>8&255, n&255))
			start := time.Now()
			res, err := app.Fiber.Test(r, -1)
			d := time.Since(start)
			if err != nil || res.StatusCode != 201 {
				b.Fatalf("submit: %v %v", err, res)
			}
			res.Body.Close()
			mu.Lock()
			lat = append(lat, d)
			mu.Unlock()
		}
	})
	b.StopTimer()
	slices.Sort(lat)
	if len(lat) > 0 {
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
	}
	b.ReportMetric(peakRSSMiB(), "peak-rss-MiB")
}

// BenchmarkReceiptHashAlone is the receipt's Argon2id hash by itself, with
// the same parameters and the same parallelism as BenchmarkSubmitReport.
func BenchmarkReceiptHashAlone(b *testing.B) {
	def, _ := server.LoadConfig(func(string) string { return "" })
	p := def.Argon2
	salt := make([]byte, 16)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			argon2.IDKey([]byte("7KQ2MX9DP4HTW3RA"), salt, p.Time, p.MemoryKiB, p.Threads, 32)
		}
	})
	b.ReportMetric(peakRSSMiB(), "peak-rss-MiB")
}

// peakRSSMiB is the process's high-water resident set size (Linux).
func peakRSSMiB() float64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if v, ok := strings.CutPrefix(s.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			return kb / 1024
		}
	}
	return 0
}
