package handlers

import (
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"
)

const requestIDKey = "requestID"

// RequestIDs gives every request a fresh id, echoed in X-Request-ID and in
// problem documents. An id sent by the client is ignored: on anonymous
// routes it could be a marker that follows a child through the logs.
func RequestIDs() fiber.Handler {
	return func(c *fiber.Ctx) error {
		b := make([]byte, 12)
		_, _ = rand.Read(b)
		id := hex.EncodeToString(b)
		c.Locals(requestIDKey, id)
		c.Set(fiber.HeaderXRequestID, id)
		return c.Next()
	}
}

// RequestID returns the id RequestIDs gave the request.
func RequestID(c *fiber.Ctx) string {
	id, _ := c.Locals(requestIDKey).(string)
	return id
}

// SecurityHeaders sets headers every answer carries, and makes "do not
// store" the default: handlers of public, cacheable content opt out.
func SecurityHeaders() fiber.Handler {
	return func(c *fiber.Ctx) error {
		h := &c.Response().Header
		h.Set(fiber.HeaderXContentTypeOptions, "nosniff")
		h.Set(fiber.HeaderXFrameOptions, "DENY")
		h.Set(fiber.HeaderReferrerPolicy, "no-referrer")
		h.Set(fiber.HeaderContentSecurityPolicy, "default-src 'none'; frame-ancestors 'none'")
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
		h.Set(fiber.HeaderStrictTransportSecurity, "max-age=63072000; includeSubDomains")
		h.Set(fiber.HeaderCacheControl, "no-store")
		return c.Next()
	}
}

// HTTPMetrics counts requests by route template, method and status and
// observes their latency. Only templates are used as labels, so no id or
// query string of a request ever becomes a series.
type HTTPMetrics struct {
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

// NewHTTPMetrics registers the HTTP series on reg.
func NewHTTPMetrics(reg prometheus.Registerer) *HTTPMetrics {
	m := &HTTPMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "speaksafe_http_requests_total",
			Help: "HTTP requests by route template, method and status.",
		}, []string{"route", "method", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "speaksafe_http_request_duration_seconds",
			Help:    "HTTP request latency by route template and method.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route", "method"}),
	}
	reg.MustRegister(m.requests, m.latency)
	return m
}

// Observe returns middleware that records metrics and writes one access log
// line per request: route template, method, status, latency and request id;
// never the client address, the raw path or the query string.
func (m *HTTPMetrics) Observe(logger *slog.Logger) fiber.Handler {
	return func(c *fiber.Ctx) error {
		start := time.Now()
		// Answer errors here, so that the status counted and logged is the
		// one the client gets.
		if err := c.Next(); err != nil {
			if herr := c.App().ErrorHandler(c, err); herr != nil {
				_ = c.SendStatus(fiber.StatusInternalServerError)
			}
		}
		status := c.Response().StatusCode()
		route := routeTemplate(c)
		// Fiber reuses the buffer behind c.Method() once the handler
		// returns; a label kept by Prometheus must own its bytes.
		method := strings.Clone(c.Method())
		elapsed := time.Since(start)
		m.requests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
		m.latency.WithLabelValues(route, method).Observe(elapsed.Seconds())
		logger.LogAttrs(c.UserContext(), slog.LevelInfo, "request",
			slog.String("route", route), slog.String("method", method), slog.Int("status", status),
			slog.Duration("latency", elapsed), slog.String("request_id", RequestID(c)))
		return nil
	}
}

// routeTemplate is the matched route's pattern, or "unmatched" when no
// route matched (so that scanners' paths never become label values).
func routeTemplate(c *fiber.Ctx) string {
	r := c.Route()
	if r == nil || r.Path == "" || r.Path == "/" && c.Path() != "/" {
		return "unmatched"
	}
	return r.Path
}
