// Package server wires SpeakSafe together: configuration, logging, MongoDB
// (a real deployment or the embedded one), the Fiber app with its
// middleware and error handler, background workers and shutdown.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/cors"
	fiberrecover "github.com/gofiber/fiber/v2/middleware/recover"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"speaksafe/database"
	"speaksafe/handlers"
)

// Worker is background work that runs until its context ends.
type Worker interface {
	Run(ctx context.Context)
}

// WorkerFunc adapts a function to Worker.
type WorkerFunc func(ctx context.Context)

// Run calls f.
func (f WorkerFunc) Run(ctx context.Context) { f(ctx) }

// App is a built SpeakSafe instance: the HTTP app and its background work.
type App struct {
	Fiber   *fiber.App
	Router  *handlers.Router
	Metrics *prometheus.Registry

	cfg     Config
	db      *mongo.Database
	logger  *slog.Logger
	clock   func() time.Time
	sleep   func(context.Context, time.Duration) error
	workers []namedWorker
	setups  []namedSetup
	ready   atomic.Bool
	stop    context.CancelFunc
	wg      sync.WaitGroup
	w       wiring
}

type namedSetup struct {
	name string
	fn   func(ctx context.Context) error
}

type namedWorker struct {
	name string
	w    Worker
}

// Options are the seams tests use; production passes the zero value.
type Options struct {
	// Clock returns the current time; time.Now when nil.
	Clock func() time.Time
	// Sleep waits d or until ctx ends (sign-in delays); a real timer when
	// nil. Tests pass one that moves their clock instead.
	Sleep func(ctx context.Context, d time.Duration) error
	// AccessLog receives the one line per request; logger when nil. Run
	// gives it a writer that batches lines (see logSink).
	AccessLog *slog.Logger
}

// New builds the app on db: indexes, seed data, routes and workers. It does
// not listen or start workers; see Serve and Start.
func New(ctx context.Context, cfg Config, db *mongo.Database, logger *slog.Logger, spec []byte, opts Options) (*App, error) {
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	app := fiber.New(fiber.Config{
		AppName:      "speaksafe",
		BodyLimit:    cfg.BodyLimit,
		ErrorHandler: handlers.ErrorHandler(logger),
		// Proxy headers are read only by handlers.ClientAddrs (right-most
		// untrusted hop); Fiber itself trusts none, so c.IP() is the peer.
		EnableTrustedProxyCheck: true,
		TrustedProxies:          cfg.TrustedProxies,
		ReadTimeout:             15 * time.Second,
		WriteTimeout:            15 * time.Second,
		IdleTimeout:             60 * time.Second,
		DisableStartupMessage:   true,
		// c.IP() then returns only well-formed addresses from proxy headers.
		EnableIPValidation: true,
	})
	a := &App{Fiber: app, Metrics: reg, cfg: cfg, db: db, logger: logger, clock: opts.Clock, sleep: opts.Sleep}

	httpMetrics := handlers.NewHTTPMetrics(reg)
	app.Use(fiberrecover.New())
	app.Use(handlers.RequestIDs())
	accessLog := opts.AccessLog
	if accessLog == nil {
		accessLog = logger
	}
	app.Use(httpMetrics.Observe(accessLog))
	app.Use(handlers.SecurityHeaders())
	if len(cfg.CORSOrigins) > 0 {
		app.Use(cors.New(cors.Config{
			AllowOrigins:  strings.Join(cfg.CORSOrigins, ","),
			AllowMethods:  "GET,POST,PUT,PATCH,DELETE",
			AllowHeaders:  "Authorization,Content-Type,Idempotency-Key,If-Match,If-None-Match",
			ExposeHeaders: "ETag,Retry-After,X-Request-ID",
			MaxAge:        600,
		}))
	}
	a.Router = handlers.NewRouter(app)
	if len(spec) > 0 {
		queries, err := handlers.QueryParamsFromContract(spec)
		if err != nil {
			return nil, fmt.Errorf("server: %w", err)
		}
		a.Router.UseQueryParams(queries)
	}
	ping := func(ctx context.Context) error {
		if !a.ready.Load() {
			return errors.New("server: set-up has not finished")
		}
		return database.Ping(ctx, db.Client())
	}
	handlers.NewOps(ping, reg, spec).Routes(a.Router)

	if err := a.wire(ctx); err != nil {
		return nil, err
	}
	return a, nil
}

// AddSetup registers idempotent start-up work (indexes, seed data) that
// Setup runs in order. It must be safe to run on every start and on several
// instances at once.
func (a *App) AddSetup(name string, fn func(ctx context.Context) error) {
	a.setups = append(a.setups, namedSetup{name: name, fn: fn})
}

// Setup runs every set-up step; the app reports ready once they all succeed.
func (a *App) Setup(ctx context.Context) error {
	if a.ready.Load() {
		return nil
	}
	if err := database.Ping(ctx, a.db.Client()); err != nil {
		return fmt.Errorf("server: database: %w", err)
	}
	for _, s := range a.setups {
		if err := s.fn(ctx); err != nil {
			return fmt.Errorf("server: set-up %s: %w", s.name, err)
		}
	}
	a.ready.Store(true)
	return nil
}

// AddWorker registers background work started by Start.
func (a *App) AddWorker(name string, w Worker) {
	a.workers = append(a.workers, namedWorker{name: name, w: w})
}

// Start runs every worker until Stop.
func (a *App) Start(ctx context.Context) {
	ctx, a.stop = context.WithCancel(context.WithoutCancel(ctx))
	for _, nw := range a.workers {
		a.wg.Add(1)
		go func() {
			defer a.wg.Done()
			defer func() {
				if r := recover(); r != nil {
					a.logger.Error("worker panicked", "worker", nw.name, "panic", fmt.Sprint(r))
				}
			}()
			nw.w.Run(ctx)
		}()
	}
}

// Stop cancels the workers and waits for them, at most until ctx ends.
func (a *App) Stop(ctx context.Context) error {
	if a.stop == nil {
		return nil
	}
	a.stop()
	done := make(chan struct{})
	go func() { a.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return errors.New("server: workers did not stop in time")
	}
}
