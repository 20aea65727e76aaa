package database

import (
	"context"
	"database/sql"
	"path/filepath"
	"runtime"
	"testing"
)

// A writer that finds SQLite's write lock taken waits through busyWait (short
// pauses), not the busy_timeout handler's millisecond sleeps, and its write
// goes through once the lock is released.
func TestAWriterWaitingForTheLockUsesShortBusyWaits(t *testing.T) {
	shortBusyWaits()
	before := busyInstalled.Load()
	dsn := "file:" + filepath.Join(t.TempDir(), "t.sqlite") + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(wal)"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	if _, err := db.ExecContext(ctx, "CREATE TABLE t (v INTEGER)"); err != nil {
		t.Fatal(err)
	}
	holder, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	if _, err := holder.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	if busyInstalled.Load() == before {
		t.Fatal("a new SQLite connection did not get the short busy handler")
	}
	calls := busyCalls.Load()
	wrote := make(chan error, 1)
	go func() {
		_, err := db.ExecContext(ctx, "INSERT INTO t VALUES (1)")
		wrote <- err
	}()
	for busyCalls.Load() == calls {
		select {
		case err := <-wrote:
			t.Fatalf("the write went through while the lock was held: %v", err)
		default:
			runtime.Gosched()
		}
	}
	if _, err := holder.ExecContext(ctx, "COMMIT"); err != nil {
		t.Fatal(err)
	}
	if err := <-wrote; err != nil {
		t.Fatalf("the waiting write failed after the lock was released: %v", err)
	}
	var n int
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM t").Scan(&n); err != nil || n != 1 {
		t.Fatalf("rows: %d, %v; want 1", n, err)
	}
}

// busyWait gives up after about ten seconds of tries, as busy_timeout(10000)
// would, so that a store stuck behind a lock answers with an error.
func TestBusyWaitGivesUpAfterItsTries(t *testing.T) {
	if busyWait(nil, 0, busyTries) != 0 {
		t.Fatal("busyWait tries again past its limit")
	}
	if busyWait(nil, 0, 0) == 0 {
		t.Fatal("busyWait gives up at the first try")
	}
}
