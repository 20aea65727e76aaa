package dbtest

import (
	"bufio"
	"context"
	_ "embed"
	"fmt"
	"os"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"

	"go.mongodb.org/mongo-driver/v2/event"
)

// queryShapes is the list of every query shape the code sends (one
// Shape.String per line, optionally followed by "# why"). A shape marked
// "# scan: why" reads a whole collection on purpose (a small collection, an
// operator command); every other one must be served by a declared index,
// which TestEveryQueryShapeHasAnIndex checks.
//
//go:embed queryshapes.txt
var queryShapes string

// recordEnv names a file to which unknown shapes are appended instead of
// failing the test that sent them: DBTEST_RECORD_SHAPES=/tmp/shapes.txt
// go test ./reports/ lists what a change added.
const recordEnv = "DBTEST_RECORD_SHAPES"

// recorder collects the query shapes sent to each test database by code
// under test (queries written in _test.go files are the test's own and are
// not recorded).
type recorder struct {
	known map[string]bool
	mu    sync.Mutex
	byDB  map[string]map[string]bool
}

func newRecorder() *recorder {
	known := map[string]bool{}
	for _, e := range KnownShapes() {
		known[e.Shape.String()] = true
	}
	return &recorder{known: known, byDB: map[string]map[string]bool{}}
}

// KnownShape is one line of dbtest/queryshapes.txt.
type KnownShape struct {
	Shape Shape
	Note  string // the text after "#", trimmed
}

// Scan reports whether the line says the shape reads a whole collection on
// purpose.
func (k KnownShape) Scan() bool { return strings.HasPrefix(k.Note, "scan:") }

// KnownShapes parses dbtest/queryshapes.txt; it panics on a malformed line, which a
// test of this package catches first.
func KnownShapes() []KnownShape {
	var out []KnownShape
	sc := bufio.NewScanner(strings.NewReader(queryShapes))
	for sc.Scan() {
		line, note, _ := strings.Cut(sc.Text(), "#")
		if strings.TrimSpace(line) == "" {
			continue
		}
		s, err := ParseShape(strings.TrimSpace(line))
		if err != nil {
			panic(err)
		}
		out = append(out, KnownShape{Shape: s, Note: strings.TrimSpace(note)})
	}
	return out
}

func (r *recorder) monitor() *event.CommandMonitor {
	return &event.CommandMonitor{Started: func(_ context.Context, e *event.CommandStartedEvent) {
		shapes := shapesOf(e.CommandName, e.Command)
		if len(shapes) == 0 || sentByTest() {
			return
		}
		r.mu.Lock()
		defer r.mu.Unlock()
		set := r.byDB[e.DatabaseName]
		if set == nil {
			return // not a database this package handed out
		}
		for _, s := range shapes {
			set[s.String()] = true
		}
	}}
}

// sentByTest reports whether the code that called the driver is a _test.go
// file: a test reading the store to check it, not a query of the product.
// The monitor runs on the goroutine that sends the command.
func sentByTest() bool {
	pc := make([]uintptr, 64)
	n := runtime.Callers(3, pc)
	frames := runtime.CallersFrames(pc[:n])
	for {
		f, more := frames.Next()
		if !strings.HasPrefix(f.Function, "go.mongodb.org/") && !strings.HasPrefix(f.Function, "speaksafe/dbtest.") {
			return strings.HasSuffix(f.File, "_test.go")
		}
		if !more {
			return false
		}
	}
}

// watch starts recording the shapes sent to database name, and checks them
// when t ends (before its database is dropped).
func (r *recorder) watch(t testing.TB, name string) {
	r.mu.Lock()
	r.byDB[name] = map[string]bool{}
	r.mu.Unlock()
	t.Cleanup(func() { r.check(t, name) })
}

func (r *recorder) check(t testing.TB, name string) {
	r.mu.Lock()
	set := r.byDB[name]
	delete(r.byDB, name)
	r.mu.Unlock()
	var unknown []string
	for s := range set {
		if !r.known[s] {
			unknown = append(unknown, s)
		}
	}
	if len(unknown) == 0 {
		return
	}
	sort.Strings(unknown)
	if path := os.Getenv(recordEnv); path != "" {
		appendLines(t, path, unknown)
		return
	}
	t.Errorf("dbtest: the code sent query shapes not listed in dbtest/queryshapes.txt; "+
		"add each line there and declare an index that serves it (docs/scaling.md):\n%s",
		strings.Join(unknown, "\n"))
}

func appendLines(t testing.TB, path string, lines []string) {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		t.Errorf("dbtest: %s: %v", recordEnv, err)
		return
	}
	defer f.Close()
	if _, err := fmt.Fprintln(f, strings.Join(lines, "\n")); err != nil {
		t.Errorf("dbtest: %s: %v", recordEnv, err)
	}
}
