package database

import (
	"fmt"
	"reflect"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"modernc.org/libc"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// The embedded store commits every write with a sync of SQLite's write-ahead
// log, holding the database's one write lock for about a millisecond. A
// writer that finds the lock taken calls SQLite's busy handler, and the one
// that busy_timeout installs sleeps 1, 2, 5, 10, 15, 20, 25… ms between
// tries: under concurrent writes nearly every waiter sleeps far longer than
// the lock is held, and the store's latency is those sleeps (the urgent
// path's p50 went from 24 ms to 81 ms, its p99 from 0.2 s to 0.7 s and more).
//
// Even short blind pauses leave the lock idle: at 45 urgent reports a second
// (about 20 writes each) the waiters' pauses had grown to their 1 ms cap, the
// lock sat free between commits, and the store took 28 reports a second.
// So a waiter is woken by the next commit, whichever connection of this
// process makes it (SQLite's WAL hook runs once the commit has released the
// lock), and pauses only as a fallback for locks released without a commit
// (a rollback, another process): 20 µs steps, at most busyMaxWait. It gives
// up after busyGiveUp of waiting, as FerretDB's busy_timeout(10000) would.

const (
	busyStep    = 20 * time.Microsecond
	busyMaxWait = 50 * time.Microsecond
	busyGiveUp  = 10 * time.Second
	// walAutoCheckpoint is SQLite's default automatic checkpoint, in WAL
	// frames: the WAL hook replaces the one that does it, so it does it too.
	walAutoCheckpoint = 1000
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
// its WAL hook with walCommitted. The driver keeps the connection's handle
// unexported, so it is read by reflection; if the driver's layout ever
// changes, the connection keeps the busy_timeout handler and SQLite's own
// checkpoints (slower, still correct) rather than failing.
func installBusyWait(c sqlite.ExecQuerierContext, _ string) error {
	v := reflect.ValueOf(c)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return nil
	}
	db, tls := v.Elem().FieldByName("db"), v.Elem().FieldByName("tls")
	if !db.IsValid() || db.Kind() != reflect.Uintptr || !tls.IsValid() ||
		tls.Type() != reflect.TypeFor[*libc.TLS]() || tls.IsNil() {
		return nil
	}
	handle := uintptr(db.Uint())
	t := (*libc.TLS)(tls.UnsafePointer())
	// The handler's argument is the connection, so that each wait knows
	// when it began.
	if rc := sqlite3.Xsqlite3_busy_handler(t, handle, cFunc(busyWait), handle); rc != sqlite3.SQLITE_OK {
		return fmt.Errorf("database: sqlite busy handler: code %d", rc)
	}
	sqlite3.Xsqlite3_wal_hook(t, handle, cFunc(walCommitted), 0)
	busyInstalled.Add(1)
	return nil
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
// connection, once the write lock is free: it wakes the waiting writers,
// then checkpoints as SQLite's default hook does (nFrame is the WAL's
// length in frames).
func walCommitted(t *libc.TLS, _, db, name uintptr, nFrame int32) int32 {
	commits.broadcast()
	if nFrame >= walAutoCheckpoint {
		sqlite3.Xsqlite3_wal_checkpoint(t, db, name)
	}
	return sqlite3.SQLITE_OK
}

// waits is when each connection's current wait for the lock began.
var waits = &lockWaits{began: map[uintptr]time.Time{}}

type lockWaits struct {
	mu    sync.Mutex
	began map[uintptr]time.Time
}

// keepTrying reports whether connection conn, at the n-th call of its busy
// handler, has waited less than busyGiveUp. A wait's first call (n == 0)
// starts its clock; an entry is overwritten by the connection's next wait,
// and a closed connection's handle is reused by a later one, so the map
// holds at most one entry per handle ever open at once.
func (w *lockWaits) keepTrying(conn uintptr, n int32, now time.Time) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if n == 0 {
		w.began[conn] = now
		return true
	}
	began, ok := w.began[conn]
	if !ok {
		w.began[conn] = now
		return true
	}
	return now.Sub(began) < busyGiveUp
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
