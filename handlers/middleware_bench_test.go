package handlers

import (
	"io"
	"log/slog"
	"os"
	"testing"

	"github.com/gofiber/fiber/v2"
	fiberrecover "github.com/gofiber/fiber/v2/middleware/recover"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/valyala/fasthttp"
)

// BenchmarkMiddlewareChain measures what every request pays before and
// after its handler in production (server/app.go's order: recover, request
// id, metrics and access log, security headers), against the same handler
// with no middleware. The access log goes to /dev/null through the
// production JSON handler, so its formatting and write are counted.
//
//	go test ./handlers/ -run '^$' -bench MiddlewareChain -benchmem
func BenchmarkMiddlewareChain(b *testing.B) {
	devnull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { devnull.Close() })
	body := []byte(`{"items":[{"id":"abc","title":"Online grooming: the signs"}],"nextCursor":""}`)
	list := func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderETag, `"v1"`)
		c.Set(fiber.HeaderCacheControl, "public, max-age=60")
		c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
		return c.Send(body)
	}
	notModified := func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderETag, `"v1"`)
		return c.SendStatus(fiber.StatusNotModified)
	}
	build := func(chain bool, log io.Writer) fasthttp.RequestHandler {
		app := fiber.New(fiber.Config{DisableStartupMessage: true})
		if chain {
			m := NewHTTPMetrics(prometheus.NewRegistry())
			app.Use(fiberrecover.New())
			app.Use(RequestIDs())
			app.Use(m.Observe(slog.New(slog.NewJSONHandler(log, nil))))
			app.Use(SecurityHeaders())
		}
		app.Get("/v1/content", list)
		app.Get("/v1/content/:id", notModified)
		return app.Handler()
	}
	for _, tc := range []struct {
		name  string
		chain bool
		log   io.Writer
		path  string
	}{
		{"list/bare", false, nil, "/v1/content"},
		{"list/chain", true, devnull, "/v1/content"},
		{"list/chain-log-discarded", true, io.Discard, "/v1/content"},
		{"304/bare", false, nil, "/v1/content/abc"},
		{"304/chain", true, devnull, "/v1/content/abc"},
	} {
		b.Run(tc.name, func(b *testing.B) {
			h := build(tc.chain, tc.log)
			var ctx fasthttp.RequestCtx
			b.ReportAllocs()
			for b.Loop() {
				ctx.Request.Reset()
				ctx.Response.Reset()
				ctx.Request.Header.SetMethod(fiber.MethodGet)
				ctx.Request.SetRequestURI(tc.path)
				h(&ctx)
			}
		})
	}
}
