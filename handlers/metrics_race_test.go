package handlers_test

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"speaksafe/apptest"
)

// Fiber reuses the buffers behind c.Method() and c.Path() once a handler
// returns. A label kept from them used to read "GETT" or "POSTTE" after a
// few hundred requests, and /metrics then answered 500 until a restart.
func TestSecurity24MetricsSurviveMixedTraffic(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = app.Fiber.Listener(ln) }()
	t.Cleanup(func() { _ = app.Fiber.Shutdown() })
	base := "http://" + ln.Addr().String()

	methods := []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete,
		http.MethodOptions, http.MethodHead}
	paths := []string{"/v1/content", "/v1/cases", "/v1/reports", "/healthz", "/v1/no-such-route", "/v1/alerts/x",
		"/v1/reporter/case", "/v1/users/someone"}
	const total, workers = 2000, 16
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: workers}}
	var wg sync.WaitGroup
	next := make(chan int)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				m, p := methods[i%len(methods)], paths[(i/len(methods))%len(paths)]
				var body io.Reader
				if m == http.MethodPost || m == http.MethodPut || m == http.MethodPatch {
					body = strings.NewReader(`{"x":1}`)
				}
				req, _ := http.NewRequest(m, base+p, body)
				req.Header.Set("Content-Type", "application/json")
				res, err := client.Do(req)
				if err != nil {
					t.Errorf("%s %s: %v", m, p, err)
					continue
				}
				_, _ = io.Copy(io.Discard, res.Body)
				_ = res.Body.Close()
			}
		}()
	}
	for i := range total {
		next <- i
	}
	close(next)
	wg.Wait()

	res, err := client.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(res.Body)
	_ = res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics after %d requests: got %d, want 200: %.300s", total, res.StatusCode, raw)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("/metrics does not parse: %v", err)
	}
	fam := families["speaksafe_http_requests_total"]
	if fam == nil {
		t.Fatal("no speaksafe_http_requests_total series")
	}
	var counted float64
	for _, m := range fam.GetMetric() {
		for _, l := range m.GetLabel() {
			if l.GetName() == "method" && !slices.Contains(methods, l.GetValue()) {
				t.Errorf("a series is labelled with method %q", l.GetValue())
			}
			if l.GetName() == "route" && strings.Contains(l.GetValue(), "no-such-route") {
				t.Errorf("an unmatched path became a label: %q", l.GetValue())
			}
		}
		counted += m.GetCounter().GetValue()
	}
	if counted < total {
		t.Errorf("counted %v requests, want at least %d", counted, total)
	}
}
