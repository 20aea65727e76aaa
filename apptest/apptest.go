// Package apptest runs the production SpeakSafe app, as server builds it, on
// a fresh test database, and checks every response against mobile-api.yaml.
package apptest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"

	"speaksafe/dbtest"
	"speaksafe/internal/testsupport"
	"speaksafe/server"
)

// App is a running test instance.
type App struct {
	*server.App
	DB    *mongo.Database
	Cfg   server.Config
	Logs  *LogBuffer
	Clock *Clock
}

type options struct {
	configure []func(*server.Config)
	clock     *Clock
	noStart   bool
	db        *mongo.Database
}

// Option changes how New builds the app.
type Option func(*options)

// WithConfig lets a test change the configuration before the app is built.
func WithConfig(f func(*server.Config)) Option {
	return func(o *options) { o.configure = append(o.configure, f) }
}

// WithClock makes the app read time from c.
func WithClock(c *Clock) Option { return func(o *options) { o.clock = c } }

// WithDatabase builds the app on db instead of a fresh database, e.g. a
// second instance sharing the first one's data.
func WithDatabase(db *mongo.Database) Option { return func(o *options) { o.db = db } }

// WithoutWorkers builds and sets up the app but starts no background work.
func WithoutWorkers() Option { return func(o *options) { o.noStart = true } }

// Config returns the configuration apptest uses: embedded-mode semantics with
// fresh random secrets and fast escalation.
func Config(t testing.TB) server.Config {
	t.Helper()
	cfg, err := server.LoadConfig(func(string) string { return "" })
	if err != nil {
		t.Fatalf("apptest: config: %v", err)
	}
	cfg.DataDir = t.TempDir()
	cfg.JWTSigningKeys = "test1:" + random(32)
	cfg.DataKeys = "test1:" + random(32)
	cfg.RateLimitSecret = random(32)
	cfg.WebhookSecret = random(32)
	cfg.AuditKeys = "test1:" + random(32)
	cfg.ReceiptKeys = "test1:" + random(32)
	cfg.EscalationMinDelay = time.Second
	if uri, ok := dbtest.ExternalURI(); ok {
		// As in production: rate limits shared through the store, the alert
		// engine on its own connection pool.
		cfg.MongoURI, cfg.Embedded = uri, false
	}
	// Cheap hashing keeps the suite fast; production parameters are the
	// defaults in server.LoadConfig.
	cfg.Argon2.Time = 1
	cfg.Argon2.MemoryKiB = 8 * 1024
	return cfg
}

// New builds, sets up and starts an app on a fresh database. Everything stops
// when the test ends.
func New(t testing.TB, opts ...Option) *App {
	t.Helper()
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	cfg := Config(t)
	for _, f := range o.configure {
		f(&cfg)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("apptest: config: %v", err)
	}
	if o.clock == nil {
		o.clock = RealClock()
	}
	db := o.db
	if db == nil {
		db = dbtest.New(t)
	}
	logs := &LogBuffer{}
	logger := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ctx := context.Background()
	app, err := server.New(ctx, cfg, db, logger, Spec(t), server.Options{Clock: o.clock.Now, Sleep: o.clock.Sleep})
	if err != nil {
		t.Fatalf("apptest: build app: %v", err)
	}
	if err := app.Setup(ctx); err != nil {
		t.Fatalf("apptest: set up app: %v", err)
	}
	if !o.noStart {
		app.Start(ctx)
	}
	t.Cleanup(func() {
		stopCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := app.Stop(stopCtx); err != nil {
			t.Errorf("apptest: stop: %v", err)
		}
	})
	return &App{App: app, DB: db, Cfg: cfg, Logs: logs, Clock: o.clock}
}

// Response is what the app answered.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// Decode unmarshals the body into v, failing the test if it cannot.
func (r *Response) Decode(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("apptest: decode %s: %v", r.Body, err)
	}
}

// Request is a request a test sends.
type Request struct {
	Method string
	Path   string
	// Body is sent as is when it is []byte or string, as JSON otherwise.
	Body   any
	Header map[string]string
	// Token, when set, is sent as a bearer token.
	Token string
	// RemoteAddr is the connection's address; 192.0.2.1:1234 when empty.
	RemoteAddr string
}

// Do sends req to the app and checks the answer against mobile-api.yaml.
func (a *App) Do(t testing.TB, req Request) *Response {
	t.Helper()
	var body io.Reader
	var contentType string
	switch b := req.Body.(type) {
	case nil:
	case []byte:
		body, contentType = bytes.NewReader(b), "application/json"
	case string:
		body, contentType = strings.NewReader(b), "application/json"
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			t.Fatalf("apptest: encode body: %v", err)
		}
		body, contentType = bytes.NewReader(raw), "application/json"
	}
	r := httptest.NewRequest(req.Method, req.Path, body)
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	if req.Token != "" {
		r.Header.Set("Authorization", "Bearer "+req.Token)
	}
	for k, v := range req.Header {
		r.Header.Set(k, v)
	}
	if req.RemoteAddr != "" {
		r.RemoteAddr = req.RemoteAddr
	}
	resp, err := a.Fiber.Test(r, -1)
	if err != nil {
		t.Fatalf("apptest: %s %s: %v", req.Method, req.Path, err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("apptest: read body: %v", err)
	}
	res := &Response{Status: resp.StatusCode, Header: resp.Header, Body: out}
	checkContract(t, r, res)
	return res
}

// Get is Do for a GET with an optional bearer token.
func (a *App) Get(t testing.TB, path, token string) *Response {
	t.Helper()
	return a.Do(t, Request{Method: http.MethodGet, Path: path, Token: token})
}

// Post is Do for a POST of body as JSON with an optional bearer token.
func (a *App) Post(t testing.TB, path, token string, body any) *Response {
	t.Helper()
	return a.Do(t, Request{Method: http.MethodPost, Path: path, Token: token, Body: body})
}

// LogBuffer collects log lines for tests that check what is (not) logged.
type LogBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write appends p.
func (l *LogBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

// String returns everything logged so far.
func (l *LogBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// Clock is a clock tests can read and, when manual, move: the one fake
// clock, testsupport.Clock.
type Clock = testsupport.Clock

// RealClock follows the wall clock.
func RealClock() *Clock { return testsupport.RealClock() }

// NewClock returns a manual clock starting at start.
func NewClock(start time.Time) *Clock { return testsupport.NewClock(start) }

func random(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
