package server

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestAccessLinesWaitForAFlushButNeverOvertakeOrInterleave(t *testing.T) {
	t.Parallel()
	var out strings.Builder
	s := newLogSink(&out)
	access, ordinary := s.Batched(), s.Immediate()
	_, _ = access.Write([]byte("access 1\n"))
	_, _ = access.Write([]byte("access 2\n"))
	if out.Len() != 0 {
		t.Fatalf("an access line was written before any flush: %q", out.String())
	}
	_, _ = ordinary.Write([]byte("ready\n"))
	if got, want := out.String(), "access 1\naccess 2\nready\n"; got != want {
		t.Fatalf("got %q, want %q: pending access lines go first", got, want)
	}
	_, _ = access.Write([]byte("access 3\n"))
	tick := make(chan time.Time)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.flushEvery(ctx, tick); close(done) }()
	tick <- time.Now()
	_, _ = access.Write([]byte("access 4\n"))
	cancel()
	<-done
	if got, want := out.String(), "access 1\naccess 2\nready\naccess 3\naccess 4\n"; got != want {
		t.Fatalf("got %q, want %q after a tick and the final flush", got, want)
	}
}

func TestAFullBatchIsWrittenAtOnce(t *testing.T) {
	t.Parallel()
	var out strings.Builder
	s := newLogSink(&out)
	line := strings.Repeat("x", 1023) + "\n"
	for range accessBatchBytes / len(line) {
		_, _ = s.Batched().Write([]byte(line))
	}
	if out.Len() != accessBatchBytes {
		t.Fatalf("wrote %d bytes, want the whole %d-byte batch", out.Len(), accessBatchBytes)
	}
}
