// Package securitytest is SpeakSafe's security regression suite: one test
// per item of SECURITY.md that is proven here, named after the item, run
// against the real binary as an operator runs it (docs/SECURITY-TESTS.md
// maps every item to the tests that prove it, here or in the domain
// packages).
package securitytest

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"speaksafe/internal/harness"
	"speaksafe/internal/testsupport"
)

var bins harness.Binaries

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "speaksafe-security-")
	if err != nil {
		panic(err)
	}
	root, err := harness.ModuleRoot()
	if err != nil {
		panic(err)
	}
	if bins, err = harness.Build(context.Background(), root, dir, raceFlags...); err != nil {
		panic(err)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// server is one running SpeakSafe in the embedded development mode (its
// store in-process, files in dataDir) with a bootstrap admin and a force.
type server struct {
	proc    *harness.Proc
	c       *harness.Client
	dataDir string
	admin   string
	force   harness.Force
}

func startServer(t *testing.T, cfg harness.ServerConfig) *server {
	t.Helper()
	addr, err := testsupport.FreeAddr()
	if err != nil {
		t.Fatal(err)
	}
	cfg.Addr = addr
	if cfg.DataDir == "" {
		cfg.DataDir = filepath.Join(t.TempDir(), "data")
	}
	if cfg.AdminUser == "" {
		cfg.AdminUser, cfg.AdminPass = "admin@speaksafe.test", "admin-"+harness.RandomHex(12)
	}
	p, err := harness.StartServer(bins.Server, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		p.Kill()
		if t.Failed() {
			t.Logf("server logs (tail):\n%s", tail(p.Logs(), 3000))
		}
	})
	if err := p.WaitReady(context.Background(), 3*time.Minute); err != nil {
		t.Fatal(err)
	}
	s := &server{proc: p, c: harness.NewClient("http://"+addr, 8), dataDir: cfg.DataDir}
	ctx := context.Background()
	if s.admin, err = s.c.Login(ctx, cfg.AdminUser, cfg.AdminPass); err != nil {
		t.Fatal(err)
	}
	if s.force, err = s.c.SetUpForce(ctx, s.admin, "sec-"+harness.RandomHex(3)); err != nil {
		t.Fatal(err)
	}
	return s
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

func key() map[string]string {
	return map[string]string{"Idempotency-Key": "sec-" + harness.RandomHex(16), "X-Forwarded-For": harness.ClientAddr()}
}

func do(t *testing.T, c *harness.Client, r harness.Request) harness.Response {
	t.Helper()
	res, err := c.Do(context.Background(), r)
	if err != nil {
		t.Fatalf("%s %s: %v", r.Method, r.Path, err)
	}
	return res
}

func must(t *testing.T, res harness.Response, want int, what string) {
	t.Helper()
	if res.Status != want {
		t.Fatalf("%s: got %d, want %d: %s", what, res.Status, want, res.Body)
	}
}

func fmtBody(b []byte) string { return fmt.Sprintf("%.200s", b) }

func decodeJSON(t *testing.T, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("decode %s: %v", fmtBody(b), err)
	}
}
