package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"speaksafe/database"
	"speaksafe/server"
)

// operator is the audit actor of changes made from the command line.
const operator = "operator:cli"

// session is an open store with the app's stores wired on it.
type session struct {
	tools server.Tools
	close func()
}

// openSession connects to the store the server would use, with the same
// configuration rules (modes, secrets) as the server. On the embedded store
// it shares a running server's store (found through DATA_DIR's lock file),
// or holds DATA_DIR itself while it runs so that no server starts on the
// files meanwhile.
func openSession(ctx context.Context, e Env, purpose string) (*session, error) {
	cfg, err := server.LoadConfig(e.Getenv)
	if err != nil {
		return nil, fmt.Errorf("configuration: %w", err)
	}
	// Commands print what matters themselves; the log carries only errors.
	logger, err := server.NewLogger(e.Stderr, cfg.LogFormat, "error")
	if err != nil {
		return nil, err
	}
	// DATA_DIR is held (or found shared) before development keys may be
	// written into it.
	uri, release, err := storeURI(ctx, cfg, purpose)
	if err != nil {
		return nil, err
	}
	if err := server.PrepareConfig(&cfg, logger); err != nil {
		release()
		return nil, err
	}
	client, err := database.Connect(uri)
	if err != nil {
		release()
		return nil, err
	}
	closeAll := func() {
		closeCtx, done := context.WithTimeout(context.Background(), 5*time.Second)
		defer done()
		_ = client.Disconnect(closeCtx)
		release()
	}
	if err := database.Ping(ctx, client); err != nil {
		closeAll()
		return nil, fmt.Errorf("store does not answer: %w", err)
	}
	app, err := server.New(ctx, cfg, client.Database(cfg.MongoDatabase), logger, e.Spec, server.Options{})
	if err != nil {
		closeAll()
		return nil, err
	}
	return &session{tools: app.Tools(), close: closeAll}, nil
}

// storeURI answers where the store is and how to let it go afterwards.
func storeURI(ctx context.Context, cfg server.Config, purpose string) (string, func(), error) {
	if !cfg.Embedded {
		return cfg.MongoURI, func() {}, nil
	}
	lock, err := database.LockDataDir(cfg.DataDir, purpose)
	var inUse *database.InUseError
	if errors.As(err, &inUse) {
		h := inUse.Holder
		if h.Purpose == "server" && h.StoreURI != "" {
			// The running server's store serves us as one more client,
			// exactly as a second instance would use MongoDB.
			return h.StoreURI, func() {}, nil
		}
		return "", nil, fmt.Errorf("%w; wait for it to finish (a starting server publishes its store in a moment) and try again", err)
	}
	if err != nil {
		return "", nil, err
	}
	quiet := slog.New(slog.DiscardHandler)
	emb, err := database.StartEmbedded(ctx, cfg.DataDir, quiet)
	if err != nil {
		lock.Release()
		return "", nil, err
	}
	return emb.URI(), func() { emb.Close(); lock.Release() }, nil
}
