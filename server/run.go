package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	"time"

	"speaksafe/database"
)

// Run starts SpeakSafe with the configuration in the environment and serves
// until SIGINT or SIGTERM, then shuts down in order: stop accepting, finish
// in-flight requests (bounded), stop workers, close MongoDB and the embedded
// server. spec is mobile-api.yaml, embedded in the binary.
func Run(ctx context.Context, spec []byte, stdout io.Writer) error {
	return run(ctx, spec, stdout, false)
}

// RunDemo is Run with a demonstration force seeded at start (see
// SeedDemo); it refuses to run in production mode.
func RunDemo(ctx context.Context, spec []byte, stdout io.Writer) error {
	return run(ctx, spec, stdout, true)
}

func run(ctx context.Context, spec []byte, stdout io.Writer, demo bool) error {
	ctx, cancel := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer cancel()

	cfg, err := LoadConfig(os.Getenv)
	if err != nil {
		return fmt.Errorf("configuration: %w", err)
	}
	sink := newLogSink(stdout)
	logger, err := NewLogger(sink.Immediate(), cfg.LogFormat, cfg.LogLevel)
	if err != nil {
		return err
	}
	accessLogger, _ := NewLogger(sink.Batched(), cfg.LogFormat, cfg.LogLevel) // same settings: no error
	flushTicker := time.NewTicker(accessFlushEvery)
	defer flushTicker.Stop()
	flushCtx, stopFlushing := context.WithCancel(context.Background())
	flushed := make(chan struct{})
	go func() { sink.flushEvery(flushCtx, flushTicker.C); close(flushed) }()
	defer func() { stopFlushing(); <-flushed }()
	var lock *database.DirLock
	if cfg.Embedded {
		// Held before anything is written to DATA_DIR (development keys
		// included), so that a restore or command in progress is never
		// disturbed.
		if lock, err = database.LockDataDir(cfg.DataDir, "server"); err != nil {
			return err
		}
		defer lock.Release()
	}
	if demo && cfg.Mode != ModeDevelopment {
		return errors.New("server: demo data only in development mode (it prints passwords and second-factor secrets)")
	}
	if err := PrepareConfig(&cfg, logger); err != nil {
		return err
	}

	uri := cfg.MongoURI
	var embedded *database.Embedded
	if cfg.Embedded {
		// The store's own logger stays at error level: its debug and warning
		// output can quote whole wire messages, which is not for logs.
		storeLogger := slog.New(quietHandler{logger.Handler().WithAttrs([]slog.Attr{slog.String("component", "embedded-store")})})
		e, err := database.StartEmbedded(ctx, cfg.DataDir, storeLogger)
		if err != nil {
			return err
		}
		defer e.Close()
		uri, embedded = e.URI(), e
		// Operator commands reach the running store through the lock file
		// instead of opening the SQLite files a second time.
		if err := lock.Publish(uri); err != nil {
			return err
		}
	}
	commands := database.NewCommands()
	client, err := database.Connect(uri, commands.ClientOptions())
	if err != nil {
		return err
	}
	defer func() {
		closeCtx, done := context.WithTimeout(context.Background(), 5*time.Second)
		defer done()
		_ = client.Disconnect(closeCtx)
	}()
	app, err := New(ctx, cfg, client.Database(cfg.MongoDatabase), logger, spec, Options{AccessLog: accessLogger, StoreCommands: commands})
	if err != nil {
		return err
	}
	limitMemoryForHashes(app.w.HashBudget.KiB(), debug.SetMemoryLimit, logger)
	if embedded != nil { // after every collection's declared indexes
		app.AddSetup("embedded store _id indexes", func(ctx context.Context) error {
			// Speed only: a failure must not keep the app from serving, and
			// the store's own sweep tries again.
			if err := embedded.IndexIDPaths(ctx); err != nil {
				logger.Warn("embedded store: _id indexes", "error", err)
			}
			return nil
		})
	}
	if demo {
		app.AddSetup("demo data", func(ctx context.Context) error { return app.SeedDemo(ctx, stdout) })
	}
	if cfg.Mode == ModeDevelopment && !cfg.Loopback {
		ticker := time.NewTicker(time.Minute)
		defer ticker.Stop()
		app.AddWorker("development mode warning", devOnNetworkWarner(logger, cfg.ListenAddr, ticker.C))
	}
	setupDone := make(chan struct{})
	go func() {
		defer close(setupDone)
		setUpInBackground(ctx, app, logger)
	}()

	ln, err := net.Listen("tcp", cfg.ListenAddr)
	if err != nil {
		return fmt.Errorf("server: listen on %s: %w", cfg.ListenAddr, err)
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- app.Fiber.Listener(ln) }()
	logger.Info("SpeakSafe is serving", "addr", ln.Addr().String())

	select {
	case err := <-serveErr:
		return fmt.Errorf("server: serve: %w", err)
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	shutdownCtx, done := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer done()
	var errs []error
	if err := app.Fiber.ShutdownWithContext(shutdownCtx); err != nil {
		errs = append(errs, fmt.Errorf("server: shutdown: %w", err))
	}
	<-setupDone
	if err := app.Stop(shutdownCtx); err != nil {
		errs = append(errs, err)
	}
	logger.Info("stopped")
	return errors.Join(errs...)
}

// PrepareConfig completes and validates cfg for its mode: development fills
// missing secrets from DATA_DIR/dev-secrets.json (generated on first start)
// and says so; production must bring everything itself. The error names
// every variable that is wrong and why this is production mode.
func PrepareConfig(cfg *Config, logger *slog.Logger) error {
	if cfg.Mode == ModeDevelopment {
		generated, err := fillDevSecrets(cfg)
		if err != nil {
			return err
		}
		logger.Warn("development mode: development keys, no MFA requirement, pages only logged unless push is configured",
			"data_dir", cfg.DataDir, "embedded_store", cfg.Embedded, "keys_generated", generated)
		if !cfg.Loopback {
			warnDevOnNetwork(logger, cfg.ListenAddr)
		}
	}
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("configuration (%s): %w", cfg.modeReason(), err)
	}
	if cfg.Mode == ModeProduction {
		logger.Info("production mode", "reason", cfg.modeReason(), "embedded_store", cfg.Embedded)
	}
	return nil
}

// setUpInBackground runs the idempotent set-up (indexes, seed data, the
// bootstrap admin) until it succeeds, then starts the workers. The API
// already serves meanwhile: /healthz says the process lives and /readyz says
// 503 until MongoDB answers and set-up is done.
func setUpInBackground(ctx context.Context, app *App, logger *slog.Logger) {
	delay := 500 * time.Millisecond
	for {
		err := app.Setup(ctx)
		if err == nil {
			app.Start(ctx)
			logger.Info("ready")
			return
		}
		logger.Error("set-up failed; retrying", "error", err, "retry_in", delay)
		select {
		case <-ctx.Done():
			return
		case <-time.After(delay):
		}
		delay = min(delay*2, 15*time.Second)
	}
}

// quietHandler passes on only errors.
type quietHandler struct{ slog.Handler }

func (h quietHandler) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelError }

func (h quietHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return quietHandler{h.Handler.WithAttrs(attrs)}
}

func (h quietHandler) WithGroup(name string) slog.Handler {
	return quietHandler{h.Handler.WithGroup(name)}
}
