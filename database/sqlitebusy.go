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
// log, holding the database's one write lock for a fraction of a
// millisecond. A writer that finds the lock taken calls SQLite's busy
// handler, and the one that busy_timeout installs sleeps 1, 2, 5, 10, 15,
// 20, 25… ms between tries: under concurrent writes nearly every waiter
// sleeps far longer than the lock is held, and the store's latency is those
// sleeps (the urgent path's p50 went from 24 ms to 81 ms, its p99 from
// 0.2 s to 0.7 s and more, with the sync itself costing 0.25 ms).
//
// busyWait tries again after a short pause that grows with the tries (20 µs
// steps, at most 1 ms) and gives up after about busyGiveUp in all, as
// FerretDB's busy_timeout(10000) would.

const (
	busyStep    = 20 * time.Microsecond
	busyMaxWait = time.Millisecond
	busyGiveUp  = 10 * time.Second
)

// busyTries is how many tries busyWait allows: the growing pauses up to
// busyMaxWait, then busyMaxWait each until busyGiveUp.
var busyTries = int32(busyMaxWait/busyStep) + int32(busyGiveUp/busyMaxWait)

var busyOnce sync.Once

// busyInstalled and busyCalls count the connections given busyWait and its
// calls (what the tests check: that a waiting writer goes through it).
var busyInstalled, busyCalls atomic.Int64

// shortBusyWaits installs busyWait on every SQLite connection this process
// opens from now on (the embedded store's; the driver has one registry).
func shortBusyWaits() {
	busyOnce.Do(func() { sqlite.RegisterConnectionHook(installBusyWait) })
}

// installBusyWait replaces a new connection's busy handler with busyWait.
// The driver keeps the connection's handle unexported, so it is read by
// reflection; if the driver's layout ever changes, the connection keeps the
// busy_timeout handler (slower, still correct) rather than failing.
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
	fn := *(*uintptr)(unsafe.Pointer(&struct {
		f func(*libc.TLS, uintptr, int32) int32
	}{busyWait}))
	t := (*libc.TLS)(tls.UnsafePointer())
	if rc := sqlite3.Xsqlite3_busy_handler(t, uintptr(db.Uint()), fn, 0); rc != sqlite3.SQLITE_OK {
		return fmt.Errorf("database: sqlite busy handler: code %d", rc)
	}
	busyInstalled.Add(1)
	return nil
}

// busyWait is SQLite's busy handler: n is how many times it has been called
// for this wait; it returns non-zero to try again.
func busyWait(_ *libc.TLS, _ uintptr, n int32) int32 {
	busyCalls.Add(1)
	if n >= busyTries {
		return 0
	}
	time.Sleep(min(time.Duration(n+1)*busyStep, busyMaxWait))
	return 1
}
