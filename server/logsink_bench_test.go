package server

import (
	"context"
	"io"
	"log/slog"
	"os"
	"testing"
	"time"
)

// BenchmarkAccessLogLine is the cost of one access-log line written
// straight to the output (to /dev/null: formatting and one write each)
// against the same line through logSink's batches.
//
//	go test ./server/ -run '^$' -bench AccessLogLine -benchmem
func BenchmarkAccessLogLine(b *testing.B) {
	devnull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { devnull.Close() })
	line := func(b *testing.B, w io.Writer) {
		h := slog.NewJSONHandler(w, nil)
		ctx := context.Background()
		b.ReportAllocs()
		for b.Loop() {
			r := slog.NewRecord(time.Now(), slog.LevelInfo, "request", 0)
			r.AddAttrs(slog.String("route", "/v1/content"), slog.String("method", "GET"), slog.Int("status", 200),
				slog.Duration("latency", time.Millisecond), slog.String("request_id", "0123456789abcdef01234567"))
			_ = h.Handle(ctx, r)
		}
	}
	b.Run("direct", func(b *testing.B) { line(b, devnull) })
	b.Run("batched", func(b *testing.B) {
		s := newLogSink(devnull)
		line(b, s.Batched())
		_ = s.Flush()
	})
}
