package handlers_test

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"

	"speaksafe/apptest"
	"speaksafe/dbtest"
	"speaksafe/server"
)

// BenchmarkContentList drives the app that server builds, with its whole
// middleware chain and the real content handler over the seed library, for
// the app's first screen (GET /v1/content, as the loadtest sends it and with
// the locale and limit the mobile app sends) and its revalidation (304),
// against a bare Fiber handler that sends a fixed JSON body of the same
// size, in the same run. Divide the bare row's ns/op by a row's ns/op for
// its throughput ratio; cpu-ns/op is the process's CPU time per request,
// steadier than ns/op on a busy machine. The access log goes through a 64 KiB buffer to
// /dev/null, as Run batches it.
//
//	go test ./handlers/ -run '^$' -bench ContentList -benchmem
func BenchmarkContentList(b *testing.B) {
	h := benchContentApp(b)
	paths := []string{"/v1/content", "/v1/content?locale=en&limit=20"}
	for _, path := range paths {
		status, body, etag := serveOnce(h, path, "")
		if status != fiber.StatusOK || etag == "" {
			b.Fatalf("GET %s: got %d with ETag %q, want 200 with an ETag", path, status, etag)
		}
		bare := bareFixedJSON(body)
		b.Run("bare-fiber-same-size"+path, func(b *testing.B) { benchServe(b, bare, "/fixed", "", fiber.StatusOK) })
		b.Run("list"+path, func(b *testing.B) { benchServe(b, h, path, "", fiber.StatusOK) })
		b.Run("304"+path, func(b *testing.B) { benchServe(b, h, path, etag, fiber.StatusNotModified) })
	}
}

// benchContentApp builds the production app on a fresh database and
// returns its request handler.
func benchContentApp(b *testing.B) fasthttp.RequestHandler {
	b.Helper()
	devnull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { devnull.Close() })
	accessLog := slog.New(slog.NewJSONHandler(bufio.NewWriterSize(devnull, 64<<10), nil))
	ctx := context.Background()
	app, err := server.New(ctx, apptest.Config(b), dbtest.New(b), slog.New(slog.NewJSONHandler(io.Discard, nil)),
		apptest.Spec(b), server.Options{AccessLog: accessLog})
	if err != nil {
		b.Fatal(err)
	}
	if err := app.Setup(ctx); err != nil {
		b.Fatal(err)
	}
	return app.Fiber.Handler()
}

func bareFixedJSON(body []byte) fasthttp.RequestHandler {
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Get("/fixed", func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
		return c.Send(body)
	})
	return app.Handler()
}

// serveOnce answers one GET and returns its status, a copy of its body and
// its ETag.
func serveOnce(h fasthttp.RequestHandler, path, ifNoneMatch string) (int, []byte, string) {
	var ctx fasthttp.RequestCtx
	prepareGet(&ctx, path, ifNoneMatch)
	h(&ctx)
	return ctx.Response.StatusCode(), append([]byte(nil), ctx.Response.Body()...), string(ctx.Response.Header.Peek(fiber.HeaderETag))
}

func prepareGet(ctx *fasthttp.RequestCtx, path, ifNoneMatch string) {
	ctx.Request.Reset()
	ctx.Response.Reset()
	ctx.Request.Header.SetMethod(fiber.MethodGet)
	ctx.Request.SetRequestURI(path)
	if ifNoneMatch != "" {
		ctx.Request.Header.Set(fiber.HeaderIfNoneMatch, ifNoneMatch)
	}
}

func benchServe(b *testing.B, h fasthttp.RequestHandler, path, ifNoneMatch string, want int) {
	var ctx fasthttp.RequestCtx
	b.ReportAllocs()
	cpu0 := processCPU()
	for b.Loop() {
		prepareGet(&ctx, path, ifNoneMatch)
		h(&ctx)
		if ctx.Response.StatusCode() != want {
			b.Fatalf("GET %s: got %d, want %d", path, ctx.Response.StatusCode(), want)
		}
	}
	b.ReportMetric(float64(processCPU()-cpu0)/float64(b.N), "cpu-ns/op")
}

// processCPU is the CPU time the process has used (user and system): on a
// shared machine it varies less with other work than the time per request.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
