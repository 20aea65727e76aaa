package cli

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// progress shows how a long task moves. On a terminal it keeps one status
// line, rewritten in place, but only once the task has run for a second (a
// quick task prints nothing but its summary); anywhere else (a log, a
// pipe, cron) it stays silent until done writes one summary line.
type progress struct {
	w     io.Writer
	tty   bool
	now   func() time.Time
	start time.Time
	label string
	stop  chan struct{}

	mu    sync.Mutex
	text  string
	shown bool
}

// progressDelay is how long a task runs before its status line appears;
// the line is redrawn every progressEvery, with the time so far, even
// while one step (a large file) takes long.
const (
	progressDelay = time.Second
	progressEvery = 200 * time.Millisecond
)

func newProgress(e Env, label string) *progress {
	p := &progress{w: e.Stderr, tty: isTerminal(e.Stderr), now: time.Now, start: time.Now(), label: label, stop: make(chan struct{})}
	if p.tty {
		go p.redraw()
	}
	return p
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

func (p *progress) redraw() {
	t := time.NewTicker(progressEvery)
	defer t.Stop()
	for {
		select {
		case <-p.stop:
			return
		case <-t.C:
			p.tick()
		}
	}
}

// update sets what the status line says.
func (p *progress) update(format string, args ...any) {
	if !p.tty {
		return
	}
	p.mu.Lock()
	p.text = fmt.Sprintf(format, args...)
	p.mu.Unlock()
}

// tick draws the status line when the task has run long enough.
func (p *progress) tick() {
	p.mu.Lock()
	defer p.mu.Unlock()
	elapsed := p.now().Sub(p.start)
	if !p.tty || p.text == "" || elapsed < progressDelay {
		return
	}
	p.shown = true
	fmt.Fprintf(p.w, "\r\033[K%s: %s (%s)", p.label, p.text, elapsed.Truncate(time.Second))
}

// done clears the status line and writes the summary line.
func (p *progress) done(format string, args ...any) {
	if p.stop != nil {
		select {
		case <-p.stop:
		default:
			close(p.stop)
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.shown {
		fmt.Fprint(p.w, "\r\033[K")
	}
	fmt.Fprintf(p.w, "%s: %s in %s\n", p.label, fmt.Sprintf(format, args...), p.now().Sub(p.start).Round(time.Millisecond))
}
