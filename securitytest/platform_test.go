package securitytest

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"speaksafe/internal/harness"
	"speaksafe/internal/testsupport"
)

// sessionGuesses opens reporter sessions for unknown references (so the
// per-reference limit never applies) through the given clients in turn and
// returns the status of each try.
func sessionGuesses(t *testing.T, clients []*harness.Client, n int, xff func(i int) string) []int {
	t.Helper()
	var out []int
	for i := range n {
		h := map[string]string{}
		if xff != nil {
			h["X-Forwarded-For"] = xff(i)
		}
		res := do(t, clients[i%len(clients)], harness.Request{Method: http.MethodPost, Path: "/v1/reports/session", Headers: h,
			Body: map[string]string{"reference": "SS-" + strings.ToUpper(harness.RandomHex(2)) + "-" + strings.ToUpper(harness.RandomHex(2)), "receipt": "AAAA-BBBB-CCCC-DDDD"}})
		out = append(out, res.Status)
		if res.Status == http.StatusTooManyRequests && res.Header.Get("Retry-After") == "" {
			t.Errorf("429 without Retry-After")
		}
	}
	return out
}

func has429(statuses []int) bool {
	for _, s := range statuses {
		if s == http.StatusTooManyRequests {
			return true
		}
	}
	return false
}

// Item 14: rate limits are kept in MongoDB and shared by every instance: a
// client alternating between two servers on one database is throttled as
// if it spoke to one.
func TestSecurity14RateLimitsAreSharedAcrossInstances(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	storeAddr, err := testsupport.FreeAddr()
	if err != nil {
		t.Fatal(err)
	}
	store, err := harness.StartStore(context.Background(), bins.Store, storeAddr, filepath.Join(dir, "store"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(store.Kill)
	cfg := harness.ServerConfig{StoreURI: "mongodb://" + storeAddr + "/", Database: "speaksafe", Secrets: harness.NewSecrets(), NoProxy: true,
		AdminUser: "admin@speaksafe.test", AdminPass: "admin-" + harness.RandomHex(12)}
	a := startServer(t, withDir(cfg, filepath.Join(dir, "a")))
	b := startServer(t, withDir(cfg, filepath.Join(dir, "b")))
	statuses := sessionGuesses(t, []*harness.Client{a.c, b.c}, 14, nil)
	if !has429(statuses) {
		t.Errorf("14 session guesses from one client over two instances: %v, want a 429 (10 per 15 minutes per client)", statuses)
	}
	if statuses[0] != http.StatusUnauthorized {
		t.Errorf("first guess: got %d, want 401", statuses[0])
	}
}

func withDir(c harness.ServerConfig, dir string) harness.ServerConfig {
	c.DataDir = dir
	return c
}

// Item 23: X-Forwarded-For is believed only from TRUSTED_PROXIES; a client
// that rotates it is throttled all the same.
func TestSecurity23ForwardedForIsTrustedOnlyFromProxies(t *testing.T) {
	t.Parallel()
	s := startServer(t, harness.ServerConfig{NoProxy: true})
	statuses := sessionGuesses(t, []*harness.Client{s.c}, 14, func(int) string { return harness.ClientAddr() })
	if !has429(statuses) {
		t.Errorf("14 session guesses rotating X-Forwarded-For with no trusted proxy: %v, want a 429", statuses)
	}
}

var fiberVersion = regexp.MustCompile(`github\.com/gofiber/fiber/v2 v2\.(\d+)\.(\d+)`)

// Item 22: a patched Fiber, a recover and a problem+json error handler
// that leaks nothing, security headers, and CORS for exact origins only.
func TestSecurity22PlatformHardening(t *testing.T) {
	t.Parallel()
	root, err := harness.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	mod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	m := fiberVersion.FindSubmatch(mod)
	if m == nil {
		t.Fatal("go.mod does not require github.com/gofiber/fiber/v2")
	}
	minor, _ := strconv.Atoi(string(m[1]))
	patch, _ := strconv.Atoi(string(m[2]))
	if minor < 52 || minor == 52 && patch < 12 {
		t.Errorf("Fiber v2.%d.%d, want ≥ v2.52.12", minor, patch)
	}

	s := startServer(t, harness.ServerConfig{Extra: []string{"CORS_ORIGINS=https://console.speaksafe.test"}})
	res := do(t, s.c, harness.Request{Method: http.MethodGet, Path: "/v1/no-such-route"})
	if res.Status != http.StatusNotFound || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/problem+json") {
		t.Errorf("unknown route: %d %q, want 404 problem+json", res.Status, res.Header.Get("Content-Type"))
	}
	for h, want := range map[string]string{"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY",
		"Content-Security-Policy": "default-src 'none'", "Referrer-Policy": "no-referrer"} {
		if got := res.Header.Get(h); !strings.Contains(got, want) {
			t.Errorf("header %s: got %q, want it to contain %q", h, got, want)
		}
	}
	for _, tc := range []struct {
		origin string
		allow  bool
	}{{"https://console.speaksafe.test", true}, {"https://evil.test", false}, {"https://console.speaksafe.test.evil.test", false}, {"null", false}} {
		res := do(t, s.c, harness.Request{Method: http.MethodOptions, Path: "/v1/content", Headers: map[string]string{
			"Origin": tc.origin, "Access-Control-Request-Method": "GET"}})
		got := res.Header.Get("Access-Control-Allow-Origin")
		if tc.allow && got != tc.origin || !tc.allow && got != "" {
			t.Errorf("CORS for origin %q: Access-Control-Allow-Origin %q", tc.origin, got)
		}
	}
}

// Item 25: outside the embedded development mode, start-up refuses missing
// or weak secrets and names the variable.
func TestSecurity25StartupRefusesWeakSecrets(t *testing.T) {
	t.Parallel()
	cfg := harness.ServerConfig{StoreURI: "mongodb://127.0.0.1:1/", Secrets: harness.NewSecrets(), DataDir: t.TempDir(), Addr: "127.0.0.1:0"}
	for name, mutate := range map[string]func(*harness.Secrets){
		"RATE_LIMIT_SECRET": func(s *harness.Secrets) { s.RateLimit = "short" },
		"WEBHOOK_SECRET":    func(s *harness.Secrets) { s.Webhook = "short" },
		"AUDIT_KEYS":        func(s *harness.Secrets) { s.AuditKeys = "k1:short" },
		"RECEIPT_KEYS":      func(s *harness.Secrets) { s.ReceiptKeys = "k1:short" },
	} {
		c := cfg
		mutate(&c.Secrets)
		p, err := harness.StartServer(bins.Server, c)
		if err != nil {
			t.Fatal(err)
		}
		err = testsupport.Eventually(context.Background(), time.Minute, 50*time.Millisecond, func() (bool, error) { return p.Exited(), nil })
		if err != nil {
			p.Kill()
			t.Errorf("started with a weak %s", name)
			continue
		}
		if !strings.Contains(p.Logs(), name) {
			t.Errorf("refused to start but did not name %s:\n%s", name, p.Logs())
		}
	}
}
