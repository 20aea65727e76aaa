package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"speaksafe/apptest"
	"speaksafe/server"
)

// productionArgon2 restores the production hashing parameters that
// apptest lowers for speed.
func productionArgon2(t testing.TB) func(*server.Config) {
	def, err := server.LoadConfig(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	return func(c *server.Config) { c.Argon2 = def.Argon2 }
}

// trustTestProxy makes the test connection's address (Fiber's test
// connection is always 0.0.0.0) a trusted proxy, so X-Forwarded-For names
// the client.
func trustTestProxy(c *server.Config) { c.TrustedProxies = []string{"0.0.0.0"} }

// TestLoginFloodAnswersOnly401Or429 sends 200 wrong-password logins at once
// from 200 addresses (so per-client limits do not hide the hasher) with
// production Argon2id parameters: every answer is 401 or 429, never 500 or
// 503 (a flood must not make the service unavailable for others), hashing
// memory stays bounded by the concurrency limit, and the account's owner
// still signs in afterwards.
func TestLoginFloodAnswersOnly401Or429(t *testing.T) {
	clock := apptest.NewClock(time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC))
	app := apptest.New(t, apptest.WithConfig(withAdmin), apptest.WithConfig(productionArgon2(t)), apptest.WithConfig(trustTestProxy),
		apptest.WithClock(clock))
	before := vmHWM()
	const n = 200
	statuses := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			email := adminEmail
			if i%2 == 1 {
				email = fmt.Sprintf("nobody%d@example.test", i)
			}
			res := app.Do(t, apptest.Request{Method: http.MethodPost, Path: "/v1/auth/login",
				Header: map[string]string{"X-Forwarded-For": fmt.Sprintf("198.51.%d.%d", i/200, i%200+1)},
				Body:   map[string]string{"email": email, "password": "wrong password"}})
			statuses[i] = res.Status
		}()
	}
	wg.Wait()
	count := map[int]int{}
	for _, s := range statuses {
		count[s]++
		if s != http.StatusUnauthorized && s != http.StatusTooManyRequests {
			t.Errorf("got status %d, want only 401 or 429", s)
		}
	}
	if t.Failed() {
		shown := 0
		for _, line := range strings.Split(app.Logs.String(), "\n") {
			if shown < 20 && (strings.Contains(line, "dependency unavailable") || strings.Contains(line, "request failed")) {
				t.Logf("server log: %s", line)
				shown++
			}
		}
	}
	if count[http.StatusUnauthorized] == 0 {
		t.Errorf("got no 401 at all (%v): the flood never reached the password check", count)
	}
	t.Logf("statuses %v; peak RSS before %d KiB, after %d KiB", count, before, vmHWM())
	// The flood writes a bounded number of entries to the audit chain.
	failed, err := app.DB.Collection("audit_log").CountDocuments(context.Background(), bson.D{{Key: "action", Value: "auth.login_failed"}})
	if err != nil || failed > 5 {
		t.Errorf("got %d auth.login_failed audit entries (%v), want at most 5 per account and window", failed, err)
	}
	// The real admin, from their own address, is slowed down but never
	// locked out by other clients' failures.
	start := clock.Now()
	res := app.Post(t, "/v1/auth/login", "", map[string]string{"email": adminEmail, "password": adminPassword})
	if res.Status != http.StatusOK {
		t.Errorf("login after 100 failures from other clients: got %d, want 200; %s", res.Status, res.Body)
	}
	if waited := clock.Now().Sub(start); waited > 4*time.Second {
		t.Errorf("login after 100 failures waited %v, want at most the 4 s cap", waited)
	}
}

func TestLoginIsThrottledPerClient(t *testing.T) {
	t.Parallel()
	// A clock that stands still: all 21 logins fall in one rate-limit
	// window however long they take.
	clock := apptest.NewClock(time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC))
	app := apptest.New(t, apptest.WithClock(clock))
	var last *apptest.Response
	for i := range 21 {
		// A client inventing X-Forwarded-For addresses is still one client:
		// no proxy is trusted in this configuration.
		last = app.Do(t, apptest.Request{Method: http.MethodPost, Path: "/v1/auth/login",
			Header: map[string]string{"X-Forwarded-For": fmt.Sprintf("203.0.113.%d", i)},
			Body:   map[string]string{"email": fmt.Sprintf("u%d@example.test", i), "password": "whatever"}})
	}
	if last.Status != http.StatusTooManyRequests {
		t.Errorf("21st login from one client: got %d, want 429", last.Status)
	}
	if strings.Contains(app.Logs.String(), "203.0.113.") {
		t.Errorf("a client address reached the logs")
	}
	// Behind a trusted proxy, X-Forwarded-For does name the client.
	proxied := apptest.New(t, apptest.WithConfig(trustTestProxy), apptest.WithClock(apptest.NewClock(clock.Now())))
	for i := range 21 {
		last = proxied.Do(t, apptest.Request{Method: http.MethodPost, Path: "/v1/auth/login",
			Header: map[string]string{"X-Forwarded-For": fmt.Sprintf("203.0.113.%d", i)},
			Body:   map[string]string{"email": fmt.Sprintf("u%d@example.test", i), "password": "whatever"}})
	}
	if last.Status != http.StatusUnauthorized {
		t.Errorf("21st login from the 21st client behind a trusted proxy: got %d, want 401", last.Status)
	}
}

// vmHWM is this process's peak resident set size in KiB (Linux), which
// includes the embedded database server.
func vmHWM() int {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			var kib int
			fmt.Sscanf(strings.TrimSpace(strings.TrimPrefix(line, "VmHWM:")), "%d", &kib)
			return kib
		}
	}
	return -1
}
