package handlers

import (
	"crypto/aes"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"
)

// RequestIDs gives every request a fresh id, echoed in X-Request-ID and in
// problem documents. An id sent by the client is ignored: on anonymous
// routes it could be a marker that follows a child through the logs. Ids are
// a counter enciphered with AES under a key drawn at start: unique within
// the process, in no visible order, and with no system call per request.
func RequestIDs() fiber.Handler {
	key := make([]byte, 16)
	_, _ = rand.Read(key)
	block, err := aes.NewCipher(key)
	if err != nil {
		panic(err) // a 16-byte key is always valid
	}
	var n atomic.Uint64
	// Buffers are pooled: passed to the cipher through an interface, they
	// would otherwise be allocated on every request.
	bufs := sync.Pool{New: func() any { return new(idBuffer) }}
	return func(c *fiber.Ctx) error {
		b := bufs.Get().(*idBuffer)
		binary.BigEndian.PutUint64(b.in[8:], n.Add(1))
		block.Encrypt(b.out[:], b.in[:])
		hex.Encode(b.id[:], b.out[:12])
		c.Response().Header.SetBytesV(fiber.HeaderXRequestID, b.id[:])
		bufs.Put(b)
		return c.Next()
	}
}

type idBuffer struct {
	in, out [aes.BlockSize]byte
	id      [24]byte
}

// RequestID returns the id RequestIDs gave the request.
func RequestID(c *fiber.Ctx) string {
	return string(c.Response().Header.Peek(fiber.HeaderXRequestID))
}

// securityHeaders are set on every answer; as bytes in canonical form they
// skip fasthttp's normalising and copying of each key on every request.
var securityHeaders = [][2][]byte{
	{[]byte(fiber.HeaderXContentTypeOptions), []byte("nosniff")},
	{[]byte(fiber.HeaderXFrameOptions), []byte("DENY")},
	{[]byte(fiber.HeaderReferrerPolicy), []byte("no-referrer")},
	{[]byte(fiber.HeaderContentSecurityPolicy), []byte("default-src 'none'; frame-ancestors 'none'")},
	{[]byte("Cross-Origin-Resource-Policy"), []byte("same-origin")},
	{[]byte(fiber.HeaderStrictTransportSecurity), []byte("max-age=63072000; includeSubDomains")},
	{[]byte(fiber.HeaderCacheControl), []byte("no-store")},
}

// SecurityHeaders sets headers every answer carries, and makes "do not
// store" the default: handlers of public, cacheable content opt out.
func SecurityHeaders() fiber.Handler {
	return func(c *fiber.Ctx) error {
		h := &c.Response().Header
		for _, kv := range securityHeaders {
			h.SetCanonical(kv[0], kv[1])
		}
		return c.Next()
	}
}

// HTTPMetrics counts requests by route template, method and status and
// observes their latency. Only templates are used as labels, so no id or
// query string of a request ever becomes a series.
type HTTPMetrics struct {
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec

	// series caches each label combination's counter and histogram, so that
	// a request costs one map lookup instead of hashing its labels twice.
	mu     sync.RWMutex
	series map[seriesKey]*series
}

type seriesKey struct {
	route, method string
	status        int
}

type series struct {
	requests prometheus.Counter
	latency  prometheus.Observer
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
		series: map[seriesKey]*series{},
	}
	reg.MustRegister(m.requests, m.latency)
	return m
}

// seriesFor returns the series of a label combination. method may be a
// Fiber buffer: the lookup does not keep it, and a new entry stores a copy.
func (m *HTTPMetrics) seriesFor(route, method string, status int) *series {
	k := seriesKey{route: route, method: method, status: status}
	m.mu.RLock()
	s := m.series[k]
	m.mu.RUnlock()
	if s != nil {
		return s
	}
	// Fiber reuses the buffer behind c.Method() once the handler returns;
	// a key or label kept beyond it must own its bytes.
	k.method = strings.Clone(method)
	s = &series{
		requests: m.requests.WithLabelValues(route, k.method, strconv.Itoa(status)),
		latency:  m.latency.WithLabelValues(route, k.method),
	}
	m.mu.Lock()
	if old := m.series[k]; old != nil {
		s = old
	} else {
		m.series[k] = s
	}
	m.mu.Unlock()
	return s
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
		elapsed := time.Since(start)
		s := m.seriesFor(route, c.Method(), status)
		s.requests.Inc()
		s.latency.Observe(elapsed.Seconds())
		ctx := c.UserContext()
		if h := logger.Handler(); h.Enabled(ctx, slog.LevelInfo) {
			// A record without a caller's pc: the access log names no source
			// line, and finding it would cost a stack walk per request.
			r := slog.NewRecord(start.Add(elapsed), slog.LevelInfo, "request", 0)
			r.AddAttrs(slog.String("route", route), slog.String("method", c.Method()), slog.Int("status", status),
				slog.Duration("latency", elapsed), slog.String("request_id", RequestID(c)))
			_ = h.Handle(ctx, r)
		}
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
