package server_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"

	"speaksafe/apptest"
	"speaksafe/database"
	"speaksafe/handlers"
	"speaksafe/server"
)

func TestOperatorRoutes(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)

	for _, path := range []string{"/healthz", "/readyz"} {
		res := app.Get(t, path, "")
		if res.Status != http.StatusOK {
			t.Errorf("GET %s: got %d, want 200", path, res.Status)
		}
	}
	spec := app.Get(t, "/openapi.yaml", "")
	if spec.Status != http.StatusOK || !strings.HasPrefix(string(spec.Body), "openapi: 3.1") {
		t.Errorf("GET /openapi.yaml: got %d %.40q, want the contract", spec.Status, spec.Body)
	}
	metrics := app.Get(t, "/metrics", "")
	body := string(metrics.Body)
	for _, want := range []string{
		`speaksafe_http_requests_total{method="GET",route="/healthz",status="200"}`,
		`speaksafe_http_request_duration_seconds_bucket{method="GET",route="/readyz"`,
		"go_goroutines",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("GET /metrics lacks %s", want)
		}
	}
}

func TestMetricsNeverCarryRawPaths(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	app.Get(t, "/no/such/route/secret-marker-4711?q=marker-4712", "")
	body := string(app.Get(t, "/metrics", "").Body)
	if strings.Contains(body, "marker-471") {
		t.Fatalf("metrics hold a client path or query:\n%s", body)
	}
	if !strings.Contains(body, `route="unmatched"`) {
		t.Errorf("unmatched request not counted under route=\"unmatched\"")
	}
}

func TestErrorsAreProblems(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	cases := []struct {
		name   string
		req    apptest.Request
		status int
	}{
		{"unknown route", apptest.Request{Method: "GET", Path: "/v1/nothing-here"}, 404},
		{"wrong method", apptest.Request{Method: "DELETE", Path: "/healthz"}, 405},
		{"staff route without token", apptest.Request{Method: "GET", Path: "/v1/nothing-here", Token: "x"}, 404},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := app.Do(t, tc.req)
			if res.Status != tc.status {
				t.Fatalf("got %d, want %d (%s)", res.Status, tc.status, res.Body)
			}
			if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
				t.Errorf("Content-Type %q, want application/problem+json", ct)
			}
			var p handlers.Problem
			res.Decode(t, &p)
			if p.Status != tc.status || p.Title == "" || p.Type == "" {
				t.Errorf("problem %+v lacks status, title or type", p)
			}
		})
	}
}

// A body over the limit is refused before any handler reads it. Fiber's
// in-memory test transport refuses it on the client side, so this test
// goes through a real listener.
func TestOversizedBodyIs413(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = app.Fiber.Listener(ln) }()
	t.Cleanup(func() { _ = app.Fiber.Shutdown() })
	// Announce a 1 MiB body; the server must answer before reading it.
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /healthz HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", 1<<20)
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var p handlers.Problem
	if err := json.NewDecoder(res.Body).Decode(&p); err != nil {
		t.Fatalf("413 body is not JSON: %v", err)
	}
	if res.StatusCode != http.StatusRequestEntityTooLarge || p.Status != 413 {
		t.Errorf("got %d %+v, want 413 problem", res.StatusCode, p)
	}
	if ct := res.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("Content-Type %q", ct)
	}
}

// A route that does not say who may call it could be reached by anyone, and
// a route the contract does not list is one the apps cannot rely on.
func TestEveryRouteHasAPolicyAndIsInTheContract(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	policies := app.Router.Policies()
	consolePolicies := app.ConsolePolicies()
	doc := apptest.Document(t)
	registered := map[string]bool{}
	for _, r := range app.Fiber.GetRoutes(true) {
		if r.Method == fiber.MethodHead || r.Method == fiber.MethodConnect || r.Method == fiber.MethodTrace || r.Method == fiber.MethodOptions {
			continue
		}
		key := handlers.RouteKey(r.Method, r.Path)
		if strings.HasPrefix(r.Path, "/console/") {
			// The web console serves HTML to browsers, not the apps'
			// JSON API, so it is not in mobile-api.yaml on purpose; its
			// routes still each declare a policy (console.Console.add).
			if _, ok := consolePolicies[key]; !ok {
				t.Errorf("console route %s has no policy", key)
			}
			continue
		}
		registered[key] = true
		if _, ok := policies[key]; !ok {
			t.Errorf("route %s has no policy", key)
		}
		item := doc.Paths.Find(openAPIPath(r.Path))
		if item == nil || item.GetOperation(r.Method) == nil {
			t.Errorf("route %s is not in mobile-api.yaml", key)
		}
	}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			key := handlers.RouteKey(method, fiberPath(path))
			if !registered[key] {
				t.Errorf("mobile-api.yaml lists %s, which the server does not serve", key)
			}
		}
	}
}

var fiberParam = regexp.MustCompile(`:([A-Za-z0-9_]+)`)
var apiParam = regexp.MustCompile(`\{([A-Za-z0-9_]+)\}`)

func openAPIPath(p string) string { return fiberParam.ReplaceAllString(p, "{$1}") }
func fiberPath(p string) string   { return apiParam.ReplaceAllString(p, ":$1") }

// With MongoDB gone the process still lives and says it is not ready; when
// MongoDB is back, it is ready again without a restart.
func TestReadinessFollowsTheDatabase(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	addr := freeAddr(t)
	ctx := context.Background()
	store, err := database.StartEmbeddedAt(ctx, dir, addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	client, err := database.Connect("mongodb://" + addr + "/")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = client.Disconnect(context.Background()) })
	cfg := apptest.Config(t)
	app, err := server.New(ctx, cfg, client.Database("readiness"), slog.New(slog.DiscardHandler), apptest.Spec(t), server.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := app.Setup(ctx); err != nil {
		t.Fatal(err)
	}
	ready := func() int {
		req, _ := http.NewRequest(http.MethodGet, "/readyz", nil)
		res, err := app.Fiber.Test(req, -1)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		if res.StatusCode != http.StatusOK {
			var p handlers.Problem
			if err := json.NewDecoder(res.Body).Decode(&p); err != nil || p.Status != res.StatusCode {
				t.Errorf("readyz %d: body is not a problem: %v", res.StatusCode, err)
			}
		}
		return res.StatusCode
	}
	if got := ready(); got != http.StatusOK {
		t.Fatalf("with the store up: got %d, want 200", got)
	}
	store.Close()
	if got := ready(); got != http.StatusServiceUnavailable {
		t.Fatalf("with the store down: got %d, want 503", got)
	}
	store, err = database.StartEmbeddedAt(ctx, dir, addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(store.Close)
	if got := ready(); got != http.StatusOK {
		t.Fatalf("with the store back: got %d, want 200", got)
	}
}
