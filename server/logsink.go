package server

import (
	"context"
	"io"
	"sync"
	"time"
)

// logSink is the process's one way to its log output. Ordinary log lines
// are written at once; access-log lines (one per request) are collected and
// written in batches, every accessFlushEvery or when accessBatchBytes have
// gathered, so that a request does not pay a system call for its line.
// Everything goes through one lock and pending access lines are written
// before any ordinary line, so lines never interleave and keep their order.
// On SIGKILL the access lines of the last accessFlushEvery are lost; the
// shutdown path flushes them.
type logSink struct {
	mu      sync.Mutex
	out     io.Writer
	pending []byte
}

const (
	accessFlushEvery = 200 * time.Millisecond
	accessBatchBytes = 64 << 10
)

func newLogSink(out io.Writer) *logSink { return &logSink{out: out} }

// flushLocked writes the pending access lines; s.mu is held.
func (s *logSink) flushLocked() error {
	if len(s.pending) == 0 {
		return nil
	}
	_, err := s.out.Write(s.pending)
	s.pending = s.pending[:0]
	return err
}

// Flush writes the pending access lines now.
func (s *logSink) Flush() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.flushLocked()
}

// Immediate returns the writer for ordinary log lines.
func (s *logSink) Immediate() io.Writer { return immediateWriter{s} }

// Batched returns the writer for access-log lines.
func (s *logSink) Batched() io.Writer { return batchedWriter{s} }

type immediateWriter struct{ s *logSink }

func (w immediateWriter) Write(p []byte) (int, error) {
	w.s.mu.Lock()
	defer w.s.mu.Unlock()
	if err := w.s.flushLocked(); err != nil {
		return 0, err
	}
	return w.s.out.Write(p)
}

type batchedWriter struct{ s *logSink }

// Write keeps p (a whole line: slog writes one record per call) for the
// next flush.
func (w batchedWriter) Write(p []byte) (int, error) {
	w.s.mu.Lock()
	defer w.s.mu.Unlock()
	w.s.pending = append(w.s.pending, p...)
	if len(w.s.pending) >= accessBatchBytes {
		if err := w.s.flushLocked(); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

// flushEvery flushes on every tick until ctx ends, then once more.
func (s *logSink) flushEvery(ctx context.Context, tick <-chan time.Time) {
	for {
		select {
		case <-ctx.Done():
			_ = s.Flush()
			return
		case <-tick:
			_ = s.Flush()
		}
	}
}
