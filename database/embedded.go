// Package database connects SpeakSafe to MongoDB: a real deployment named by
// MONGODB_URI, or an embedded MongoDB-wire server (FerretDB on SQLite) for a
// machine with nothing else installed.
package database

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
)

// newMu serialises ferretdb.New, which sets a global of its package.
var newMu sync.Mutex

// Embedded is a running in-process MongoDB-wire server on loopback.
type Embedded struct {
	uri    string
	dir    string // the SQLite files, one per database
	cancel context.CancelFunc
	done   chan struct{}
	swept  chan struct{} // closed when the _id index sweep has stopped
}

// StartEmbedded starts FerretDB with the SQLite handler storing its files in
// dir. It listens on a free loopback port only and returns once the listener
// accepts connections.
func StartEmbedded(ctx context.Context, dir string, logger *slog.Logger) (*Embedded, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	return StartEmbeddedAt(ctx, dir, addr, logger)
}

// StartEmbeddedAt is StartEmbedded on a given loopback address, so that a
// restarted server keeps its address (tests of readiness recovery use it).
func StartEmbeddedAt(ctx context.Context, dir, addr string, logger *slog.Logger) (*Embedded, error) {
	return startEmbedded(ctx, dir, addr, logger, idPathSweepInterval)
}

// StartEmbeddedForTests is StartEmbedded (on addr, or a free port when addr
// is empty) without the periodic _id path sweep, for a store whose
// databases are dropped and created all the time while it runs (test
// suites): the sweep opens the database files with connections of its own,
// and one open across a drop can keep SQLite's view of a removed file alive
// while a new database is created in its place (a test process once died
// of SIGBUS in the shared-memory index that way). Call IndexIDPaths where
// the indexes matter.
func StartEmbeddedForTests(ctx context.Context, dir, addr string, logger *slog.Logger) (*Embedded, error) {
	if addr == "" {
		var err error
		if addr, err = freeAddr(); err != nil {
			return nil, err
		}
	}
	return startEmbedded(ctx, dir, addr, logger, 0)
}

// startEmbedded starts the server and, unless sweepEvery is zero, indexes
// the _id path of new collections every sweepEvery (see IndexIDPaths).
func startEmbedded(ctx context.Context, dir, addr string, logger *slog.Logger, sweepEvery time.Duration) (*Embedded, error) {
	abs, err := filepath.Abs(filepath.Join(dir, "db"))
	if err != nil {
		return nil, fmt.Errorf("database: data dir: %w", err)
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		return nil, fmt.Errorf("database: data dir: %w", err)
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	shortBusyWaits()
	// ferretdb.New writes a package variable of FerretDB's own; starting
	// two servers at once (tests do) must not race on it.
	newMu.Lock()
	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: addr},
		Handler:   "sqlite",
		SQLiteURL: "file:" + abs + "/",
		Logger:    logger,
	})
	newMu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("database: embedded server: %w", err)
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	e := &Embedded{dir: abs, cancel: cancel, done: make(chan struct{}), swept: make(chan struct{})}
	go func() {
		defer close(e.done)
		_ = f.Run(runCtx)
	}()
	go func() {
		defer close(e.swept)
		e.sweepIDPaths(runCtx, sweepEvery, logger)
	}()
	e.uri = f.MongoDBURI()
	if err := waitListening(ctx, addr); err != nil {
		e.Close()
		return nil, err
	}
	return e, nil
}

// URI is the connection string of the embedded server.
func (e *Embedded) URI() string { return e.uri }

// Close stops the listener, closes every connection and the SQLite files, and
// waits for that to finish.
func (e *Embedded) Close() {
	e.cancel()
	<-e.swept
	<-e.done
}

// freeAddr is a loopback address on a free port.
func freeAddr() (string, error) {
	port, err := freePort()
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("127.0.0.1:%d", port), nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("database: free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// waitListening dials addr until it accepts, so that the first driver
// operation does not race the listener's start.
func waitListening(ctx context.Context, addr string) error {
	var d net.Dialer
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, err := d.DialContext(ctx, "tcp", addr)
		if err == nil {
			return c.Close()
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("database: embedded server did not start: %w", errors.Join(err, ctx.Err()))
		}
		select {
		case <-ctx.Done():
		case <-time.After(20 * time.Millisecond):
		}
	}
}
