package database

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"modernc.org/libc"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// The embedded store commits every write to SQLite's write-ahead log, and
// SQLite's default for it (synchronous=FULL) syncs the log inside each
// commit, holding the database's one write lock all the while. A writer
// that finds the lock taken calls SQLite's busy handler, and the one that
// busy_timeout installs sleeps 1, 2, 5, 10, 15, 20, 25… ms between tries:
// under concurrent writes nearly every waiter sleeps far longer than the
// lock is held, and the store's latency is those sleeps (the urgent path's
// p50 went from 24 ms to 81 ms, its p99 from 0.2 s to 0.7 s and more).
//
// Even short blind pauses leave the lock idle: at 45 urgent reports a second
// (about 20 writes each) the waiters' pauses had grown to their 1 ms cap, the
// lock sat free between commits, and the store took 28 reports a second.
// So a waiter is woken by the next commit, whichever connection of this
// process makes it (SQLite's WAL hook runs once the commit has released the
// lock), and pauses only as a fallback for locks released without a commit
// (a rollback, another process): 20 µs steps, at most busyMaxWait. It gives
// up after busyGiveUp of waiting, as FerretDB's busy_timeout(10000) would.
//
// And the sync leaves the lock: the WAL hook syncs the log after the commit
// and before the commit returns, so nothing is acknowledged that is not on
// disk, and commits that end while one sync runs share the next
// (walCommitted). A commit can be read by another connection for the length
// of that sync before it is on disk, as MongoDB's default read concern
// ("local") reads writes not yet journaled; a crash of the process loses
// nothing, since the log is written before the lock is let go.

const (
	busyStep    = 20 * time.Microsecond
	busyMaxWait = 50 * time.Microsecond
	busyGiveUp  = 10 * time.Second
	// walAutoCheckpoint is SQLite's default automatic checkpoint, in WAL
	// frames: the WAL hook replaces the one that does it, so it does it too.
	walAutoCheckpoint = 1000
	// walRestartAt is the log's length (frames of 4 KiB) from which a
	// checkpoint starts it again from the top (see checkpoint).
	walRestartAt      = 4 * walAutoCheckpoint
	walRestartWait    = 25 * time.Millisecond
	walRestartBackoff = time.Second
)

var busyOnce sync.Once

// busyInstalled and busyCalls count the connections given busyWait and its
// calls (what the tests check: that a waiting writer goes through it).
var busyInstalled, busyCalls atomic.Int64

// shortBusyWaits installs busyWait and walCommitted on every SQLite
// connection this process opens from now on (the embedded store's; the
// driver has one registry).
func shortBusyWaits() {
	busyOnce.Do(func() { sqlite.RegisterConnectionHook(installBusyWait) })
}

// installBusyWait replaces a new connection's busy handler with busyWait and
// its WAL hook with walCommitted, and moves the sync of a commit out of the
// write lock (see walCommitted). The driver keeps the connection's handle
// unexported, so it is read by reflection; if the driver's layout ever
// changes, the connection keeps the busy_timeout handler, SQLite's own
// checkpoints and its sync inside every commit (slower, still correct)
// rather than failing.
func installBusyWait(c sqlite.ExecQuerierContext, _ string) error {
	handle, t, ok := connHandle(c)
	if !ok {
		return nil
	}
	// The handler's argument is the connection, so that each wait knows
	// when it began.
	if rc := sqlite3.Xsqlite3_busy_handler(t, handle, cFunc(busyWait), handle); rc != sqlite3.SQLITE_OK {
		return fmt.Errorf("database: sqlite busy handler: code %d", rc)
	}
	sqlite3.Xsqlite3_wal_hook(t, handle, cFunc(walCommitted), 0)
	busyInstalled.Add(1)
	return syncAfterCommits(c)
}

// syncAfterCommits leaves the sync of a commit's write-ahead log to
// walCommitted, on a connection in WAL mode: SQLite's synchronous=NORMAL
// writes a commit's frames without a sync (it still syncs the log before a
// checkpoint copies it, and its header when it restarts), and walCommitted
// syncs them before the commit returns. A connection in another journal
// mode keeps SQLite's default, a sync inside each commit.
func syncAfterCommits(c sqlite.ExecQuerierContext) error {
	ctx := context.Background()
	rows, err := c.QueryContext(ctx, "PRAGMA journal_mode", nil)
	if err != nil {
		return fmt.Errorf("database: sqlite journal mode: %w", err)
	}
	mode := make([]driver.Value, 1)
	err = rows.Next(mode)
	rows.Close()
	if err != nil {
		return fmt.Errorf("database: sqlite journal mode: %w", err)
	}
	if m, _ := mode[0].(string); !strings.EqualFold(m, "wal") {
		return nil
	}
	if _, err := c.ExecContext(ctx, "PRAGMA synchronous=NORMAL", nil); err != nil {
		return fmt.Errorf("database: sqlite synchronous: %w", err)
	}
	return nil
}

// connHandle is the SQLite handle of driver connection c and the thread
// state its calls run with, read by reflection; false if the driver's
// layout is not the one known.
func connHandle(c any) (uintptr, *libc.TLS, bool) {
	v := reflect.ValueOf(c)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return 0, nil, false
	}
	db, tls := v.Elem().FieldByName("db"), v.Elem().FieldByName("tls")
	if !db.IsValid() || db.Kind() != reflect.Uintptr || !tls.IsValid() ||
		tls.Type() != reflect.TypeFor[*libc.TLS]() || tls.IsNil() {
		return 0, nil, false
	}
	return uintptr(db.Uint()), (*libc.TLS)(tls.UnsafePointer()), true
}

// cFunc is the C function pointer of a Go function, as the transpiled
// SQLite calls it.
func cFunc[F any](f F) uintptr {
	return *(*uintptr)(unsafe.Pointer(&struct{ f F }{f}))
}

// busyWait is SQLite's busy handler: conn is the waiting connection, n how
// many times the handler has been called for this wait; it returns non-zero
// to try again.
func busyWait(_ *libc.TLS, conn uintptr, n int32) int32 {
	busyCalls.Add(1)
	if !waits.keepTrying(conn, n, time.Now()) {
		return 0
	}
	commits.wait(min(time.Duration(n+1)*busyStep, busyMaxWait))
	return 1
}

// walCommitted is SQLite's WAL hook, called after each commit of a
// connection, once the write lock is free. It wakes the waiting writers,
// syncs the write-ahead log (nothing is acknowledged before its commit is on
// disk: the commit returns after the hook), then checkpoints as SQLite's
// default hook does (nFrame is the log's length in frames).
//
// The sync outside the lock is what lets commits share it: while one sync
// runs the next writers take the lock and commit, and a single sync then
// covers all of them (walSyncs). Inside the lock, every commit waited for
// its own sync with the lock held.
func walCommitted(t *libc.TLS, _, db, name uintptr, nFrame int32) int32 {
	commits.broadcast()
	var w *groupSync
	if sqlite3.Xsqlite3_db_readonly(t, db, name) == 0 {
		if file := libc.GoString(sqlite3.Xsqlite3_db_filename(t, db, name)); file != "" {
			w = walSyncs.file(file + "-wal")
			if err := w.sync(); err != nil {
				return sqlite3.SQLITE_IOERR_FSYNC
			}
		}
	}
	if nFrame >= walAutoCheckpoint {
		checkpoint(t, db, name, w, nFrame)
	}
	return sqlite3.SQLITE_OK
}

// checkpoint copies the log of database name into it, as SQLite's default
// hook does past walAutoCheckpoint frames, with two differences: one
// checkpoint of a file runs at a time (the commits that find one running
// leave it to it), and a log past walRestartAt frames is checkpointed in
// RESTART mode. A PASSIVE checkpoint never waits, so under a steady stream
// of writes and reads the log is never wholly copied at the moment a writer
// begins, and only then does SQLite start it again from the top: the log
// grew past 90 MB in a minute of urgent reports at 50 a second, and every
// read and checkpoint slowed with it. RESTART holds new writers off while it
// copies the rest and waits for the readers still in the log; it waits at
// most walRestartWait for them (so writers are never held longer), and
// after a failed try the log stays PASSIVE for walRestartBackoff.
func checkpoint(t *libc.TLS, db, name uintptr, w *groupSync, nFrame int32) {
	if w == nil {
		sqlite3.Xsqlite3_wal_checkpoint(t, db, name)
		return
	}
	if !w.ckpt.TryLock() {
		return
	}
	defer w.ckpt.Unlock()
	now := time.Now()
	if nFrame < walRestartAt || now.Before(w.restartAfter) {
		sqlite3.Xsqlite3_wal_checkpoint_v2(t, db, name, sqlite3.SQLITE_CHECKPOINT_PASSIVE, 0, 0)
		return
	}
	waits.limit(db, walRestartWait)
	defer waits.limit(db, 0)
	if rc := sqlite3.Xsqlite3_wal_checkpoint_v2(t, db, name, sqlite3.SQLITE_CHECKPOINT_RESTART, 0, 0); rc == sqlite3.SQLITE_OK {
		w.restarts.Add(1)
	} else {
		w.restartAfter = now.Add(walRestartBackoff)
	}
}

// walSyncs is the group sync of each write-ahead log this process writes.
var walSyncs = &groupSyncs{files: map[string]*groupSync{}}

type groupSyncs struct {
	mu    sync.Mutex
	files map[string]*groupSync
}

// file is the group sync of file.
func (g *groupSyncs) file(file string) *groupSync {
	g.mu.Lock()
	defer g.mu.Unlock()
	s := g.files[file]
	if s == nil {
		s = newGroupSync(file, fsyncFile)
		g.files[file] = s
	}
	return s
}

// groupSync syncs one file for every caller that wrote to it before the
// sync began: a caller arriving while a sync runs waits for it to end and
// then, unless a later sync already covered it, runs the next one for
// everyone waiting.
type groupSync struct {
	file  string
	fsync func(string) error
	mu    sync.Mutex
	cond  *sync.Cond
	// asked counts the calls; covered is the highest call a finished sync
	// began after; running says a sync is under way.
	asked, covered uint64
	running        bool
	syncs          atomic.Int64
	// ckpt is held by the checkpoint of the log under way, restartAfter
	// (under ckpt) is when a failed RESTART may be tried again, restarts
	// counts those that succeeded.
	ckpt         sync.Mutex
	restartAfter time.Time
	restarts     atomic.Int64
}

func newGroupSync(file string, fsync func(string) error) *groupSync {
	s := &groupSync{file: file, fsync: fsync}
	s.cond = sync.NewCond(&s.mu)
	return s
}

func (s *groupSync) sync() error {
	s.mu.Lock()
	s.asked++
	me := s.asked
	for s.running && s.covered < me {
		s.cond.Wait()
	}
	if s.covered >= me {
		s.mu.Unlock()
		return nil
	}
	s.running = true
	upTo := s.asked
	s.mu.Unlock()
	err := s.fsync(s.file)
	s.syncs.Add(1)
	s.mu.Lock()
	s.running = false
	if err == nil {
		s.covered = upTo
	}
	s.cond.Broadcast()
	s.mu.Unlock()
	return err
}

// fsyncFile syncs the file at path to disk. The file is opened afresh each
// time, so that a log SQLite removed and created again is the one synced;
// one removed since the commit was checkpointed into the database first.
func fsyncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

// waits is when each connection's current wait for the lock began.
var waits = &lockWaits{began: map[uintptr]time.Time{}, limits: map[uintptr]time.Duration{}}

type lockWaits struct {
	mu    sync.Mutex
	began map[uintptr]time.Time
	// limits holds the shorter limit of a connection's waits, if any.
	limits map[uintptr]time.Duration
}

// limit makes conn's waits give up after d instead of busyGiveUp; zero
// ends that.
func (w *lockWaits) limit(conn uintptr, d time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if d == 0 {
		delete(w.limits, conn)
		return
	}
	w.limits[conn] = d
}

// keepTrying reports whether connection conn, at the n-th call of its busy
// handler, has waited less than busyGiveUp. A wait's first call (n == 0)
// starts its clock; an entry is overwritten by the connection's next wait,
// and a closed connection's handle is reused by a later one, so the map
// holds at most one entry per handle ever open at once.
func (w *lockWaits) keepTrying(conn uintptr, n int32, now time.Time) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	began, ok := w.began[conn]
	if n == 0 || !ok {
		w.began[conn] = now
		return true
	}
	limit, ok := w.limits[conn]
	if !ok {
		limit = busyGiveUp
	}
	return now.Sub(began) < limit
}

// commits wakes the writers waiting for a lock when a commit frees it.
var commits = &commitSignal{ch: make(chan struct{})}

type commitSignal struct {
	waiting atomic.Int64
	mu      sync.Mutex
	ch      chan struct{}
}

// wait returns at the next commit, or after pause.
func (s *commitSignal) wait(pause time.Duration) {
	s.waiting.Add(1)
	defer s.waiting.Add(-1)
	s.mu.Lock()
	ch := s.ch
	s.mu.Unlock()
	t := time.NewTimer(pause)
	defer t.Stop()
	select {
	case <-ch:
	case <-t.C:
	}
}

// broadcast wakes every waiter (none waiting: nothing to do).
func (s *commitSignal) broadcast() {
	if s.waiting.Load() == 0 {
		return
	}
	s.mu.Lock()
	close(s.ch)
	s.ch = make(chan struct{})
	s.mu.Unlock()
}
