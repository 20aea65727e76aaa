// Command devstore runs only SpeakSafe's embedded MongoDB-wire store
// (FerretDB on SQLite) on a given loopback address, as its own process. The
// load test and the fault suite use it to run the server against a store
// they can stop, start and reach directly (MONGODB_URI), which the in-process
// store of `go run .` does not allow.
//
//	go run ./cmd/devstore -addr 127.0.0.1:27018 -dir ./data-devstore
//
// It prints the connection string on its first line once the listener
// accepts connections and serves until SIGINT or SIGTERM.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"

	"speaksafe/database"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:27018", "loopback address to listen on")
	dir := flag.String("dir", "./data-devstore", "directory for the SQLite files (a db/ folder is made inside)")
	forTests := flag.Bool("for-tests", false, "for a test suite that drops and creates databases all the time: no periodic _id path sweep (database.StartEmbeddedForTests)")
	flag.Parse()
	if err := run(*addr, *dir, *forTests); err != nil {
		fmt.Fprintln(os.Stderr, "devstore:", err)
		os.Exit(1)
	}
}

func run(addr, dir string, forTests bool) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		// The store has no authentication: it must never be reachable from
		// another machine.
		return fmt.Errorf("address %s is not loopback", addr)
	}
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	start := database.StartEmbeddedAt
	if forTests {
		start = database.StartEmbeddedForTests
	}
	e, err := start(ctx, dir, addr, logger)
	if err != nil {
		return err
	}
	fmt.Println(e.URI())
	<-ctx.Done()
	e.Close()
	return nil
}
