package database

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"modernc.org/libc"
)

// A writer that finds SQLite's write lock taken waits through busyWait (short
// pauses), not the busy_timeout handler's millisecond sleeps, and its write
// goes through once the lock is released.
func TestAWriterWaitingForTheLockUsesShortBusyWaits(t *testing.T) {
	before := busyInstalled.Load()
	db := openWAL(t, "")
	ctx := context.Background()
	holder := conn(t, db, "BEGIN IMMEDIATE")
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

// A wait for the lock gives up after about ten seconds, as
// busy_timeout(10000) would, so that a store stuck behind a lock answers
// with an error; each new wait of a connection starts its own clock.
func TestAWaitForTheLockGivesUpAfterTenSeconds(t *testing.T) {
	w := &lockWaits{began: map[uintptr]time.Time{}, limits: map[uintptr]time.Duration{}}
	t0 := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	if !w.keepTrying(1, 0, t0) || !w.keepTrying(1, 500, t0.Add(busyGiveUp-time.Millisecond)) {
		t.Fatal("a wait gave up before ten seconds")
	}
	if w.keepTrying(1, 501, t0.Add(busyGiveUp)) {
		t.Fatal("a wait kept trying after ten seconds")
	}
	if !w.keepTrying(2, 3, t0.Add(busyGiveUp)) {
		t.Fatal("another connection's wait gave up with the first's clock")
	}
	if !w.keepTrying(1, 0, t0.Add(busyGiveUp)) || !w.keepTrying(1, 1, t0.Add(busyGiveUp+time.Second)) {
		t.Fatal("a connection's next wait kept the clock of its last")
	}
}

// A writer waiting for the lock is woken by the commit that frees it, not
// by the end of its pause: waiters here pause for an hour.
func TestACommitWakesTheWritersWaitingForTheLock(t *testing.T) {
	db := openWAL(t, "")
	ctx := context.Background()
	woken := make(chan struct{})
	go func() {
		commits.wait(time.Hour)
		close(woken)
	}()
	for commits.waiting.Load() == 0 {
		runtime.Gosched()
	}
	if _, err := db.ExecContext(ctx, "INSERT INTO t VALUES (1)"); err != nil {
		t.Fatal(err)
	}
	<-woken
}

// The WAL hook that wakes waiters replaces SQLite's automatic checkpoint,
// so it checkpoints too: thousands of commits leave a write-ahead log of
// about walAutoCheckpoint pages, not one that grows with every commit.
func TestTheWriteAheadLogIsStillCheckpointed(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.sqlite")
	db := openWAL(t, path)
	ctx := context.Background()
	blob := make([]byte, 3000)
	const commits = 3 * walAutoCheckpoint
	for i := range commits {
		if _, err := db.ExecContext(ctx, "INSERT INTO t VALUES (?)", blob); err != nil {
			t.Fatalf("commit %d: %v", i, err)
		}
	}
	fi, err := os.Stat(path + "-wal")
	if err != nil {
		t.Fatal(err)
	}
	// Each commit adds at least one 4 KiB page; unchecked, the log would
	// hold every one of them.
	if limit := int64(2 * walAutoCheckpoint * 4096); fi.Size() > limit {
		t.Fatalf("write-ahead log is %d bytes after %d commits; want at most %d", fi.Size(), commits, limit)
	}
}

// openWAL opens a SQLite file in WAL mode (at path, or a new one) with
// table t, with the store's busy handler and WAL hook installed.
func openWAL(t *testing.T, path string) *sql.DB {
	t.Helper()
	shortBusyWaits()
	if path == "" {
		path = filepath.Join(t.TempDir(), "t.sqlite")
	}
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(wal)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.ExecContext(context.Background(), "CREATE TABLE t (v)"); err != nil {
		t.Fatal(err)
	}
	return db
}

// A commit in WAL mode is on disk before it returns: SQLite leaves the sync
// to the WAL hook (synchronous=NORMAL), and the hook syncs the log once per
// commit when commits come one at a time. A connection in another journal
// mode keeps SQLite's sync inside the commit (synchronous=FULL).
func TestEachCommitIsSyncedBeforeItReturns(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.sqlite")
	db := openWAL(t, path)
	ctx := context.Background()
	var mode int
	if err := db.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&mode); err != nil || mode != 1 {
		t.Fatalf("synchronous = %d, %v; want 1 (NORMAL) with the hook's sync", mode, err)
	}
	walSyncs.mu.Lock()
	s := walSyncs.files[path+"-wal"]
	walSyncs.mu.Unlock()
	if s == nil {
		t.Fatal("the table's creation was not synced by the hook")
	}
	before := s.syncs.Load()
	for range 5 {
		if _, err := db.ExecContext(ctx, "INSERT INTO t VALUES (1)"); err != nil {
			t.Fatal(err)
		}
	}
	if got := s.syncs.Load() - before; got != 5 {
		t.Fatalf("%d syncs for 5 commits one after another; want 5", got)
	}

	rollback, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "r.sqlite")+"?_pragma=journal_mode(delete)")
	if err != nil {
		t.Fatal(err)
	}
	defer rollback.Close()
	if err := rollback.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&mode); err != nil || mode != 2 {
		t.Fatalf("synchronous in rollback mode = %d, %v; want 2 (FULL)", mode, err)
	}
}

// Commits that end while a sync runs share the next one, and none returns
// before a sync that began after it was written: one sync under way, three
// commits arrive, and two syncs cover all four.
func TestCommitsArrivingDuringASyncShareTheNext(t *testing.T) {
	started := make(chan struct{})
	release := make(chan struct{})
	s := newGroupSync("wal", func(string) error {
		started <- struct{}{}
		<-release
		return nil
	})
	done := make(chan int, 4)
	go func() { _ = s.sync(); done <- 0 }()
	<-started
	for i := 1; i <= 3; i++ {
		go func() { _ = s.sync(); done <- i }()
	}
	for {
		s.mu.Lock()
		asked := s.asked
		s.mu.Unlock()
		if asked == 4 {
			break
		}
		runtime.Gosched()
	}
	select {
	case i := <-done:
		t.Fatalf("call %d returned while the sync that began before it was still running", i)
	default:
	}
	release <- struct{}{}
	if i := <-done; i != 0 {
		t.Fatalf("call %d returned first; want the one whose sync ended", i)
	}
	<-started // the next sync, for the three that waited
	select {
	case i := <-done:
		t.Fatalf("call %d returned before the sync covering it ended", i)
	default:
	}
	release <- struct{}{}
	for range 3 {
		<-done
	}
	if n := s.syncs.Load(); n != 2 {
		t.Fatalf("%d syncs for four commits; want 2", n)
	}
}

// A commit whose log cannot be synced reports an error, so that nothing is
// acknowledged as stored that may not be on disk (the retry finds it stored
// or stores it).
func TestACommitWhoseLogCannotBeSyncedFails(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.sqlite")
	db := openWAL(t, path)
	walSyncs.mu.Lock()
	walSyncs.files[path+"-wal"] = newGroupSync(path+"-wal", func(string) error { return errors.New("disk gone") })
	walSyncs.mu.Unlock()
	if _, err := db.ExecContext(context.Background(), "INSERT INTO t VALUES (1)"); err == nil {
		t.Fatal("a commit whose sync failed reported success")
	}
}

// A long write-ahead log is started again from the top by a RESTART
// checkpoint, which holds writers off for at most walRestartWait while a
// reader is still in the log, and after such a failure leaves the log to
// PASSIVE checkpoints for a while.
func TestALongLogIsRestartedWithoutHoldingWritersLong(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.sqlite")
	db := openWAL(t, path)
	ctx := context.Background()
	w := walSyncs.file(path + "-wal")
	reader := conn(t, db, "BEGIN")
	var n int
	if err := reader.QueryRowContext(ctx, "SELECT count(*) FROM t").Scan(&n); err != nil {
		t.Fatal(err)
	}
	writer := conn(t, db)
	if _, err := writer.ExecContext(ctx, "INSERT INTO t VALUES (1)"); err != nil {
		t.Fatal(err)
	}
	restart := func() {
		t.Helper()
		err := writer.Raw(func(c any) error {
			handle, tls, ok := connHandle(c)
			if !ok {
				return errors.New("no SQLite handle")
			}
			name, err := libc.CString("main")
			if err != nil {
				return err
			}
			defer libc.Xfree(tls, name)
			checkpoint(tls, handle, name, w, walRestartAt)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	restart() // the reader holds its snapshot: the RESTART gives up
	if w.restarts.Load() != 0 || w.restartAfter.IsZero() {
		t.Fatalf("restarts %d, retry after %v; want a failed RESTART and a pause before the next", w.restarts.Load(), w.restartAfter)
	}
	if _, err := writer.ExecContext(ctx, "INSERT INTO t VALUES (2)"); err != nil {
		t.Fatalf("a write after the failed RESTART: %v", err)
	}
	if _, err := reader.ExecContext(ctx, "COMMIT"); err != nil {
		t.Fatal(err)
	}
	w.restartAfter = time.Time{}
	restart()
	if w.restarts.Load() != 1 {
		t.Fatalf("restarts %d once the reader left; want 1", w.restarts.Load())
	}
	var busy, frames, copied int
	if err := writer.QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &frames, &copied); err != nil {
		t.Fatal(err)
	}
	if frames != copied {
		t.Fatalf("after the RESTART %d of %d frames are in the database; want all", copied, frames)
	}
}

// conn takes a connection of db for the test and runs stmts on it.
func conn(t *testing.T, db *sql.DB, stmts ...string) *sql.Conn {
	t.Helper()
	c, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	for _, q := range stmts {
		if _, err := c.ExecContext(context.Background(), q); err != nil {
			t.Fatal(err)
		}
	}
	return c
}
