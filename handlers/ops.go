package handlers

import (
	"context"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"speaksafe/errkind"
)

// Ops serves the operator's routes: liveness, readiness, metrics and the
// API contract.
type Ops struct {
	ping    func(context.Context) error
	metrics fiber.Handler
	spec    []byte
}

// NewOps returns the operations handlers. ping reports whether MongoDB
// answers; spec is mobile-api.yaml as embedded in the binary.
func NewOps(ping func(context.Context) error, gatherer prometheus.Gatherer, spec []byte) *Ops {
	return &Ops{
		ping:    ping,
		metrics: adaptor.HTTPHandler(promhttp.HandlerFor(gatherer, promhttp.HandlerOpts{})),
		spec:    spec,
	}
}

// Routes registers the operations routes.
func (h *Ops) Routes(r *Router) {
	r.Add(fiber.MethodGet, "/healthz", Public(), h.health)
	r.Add(fiber.MethodGet, "/readyz", Public(), h.ready)
	r.Add(fiber.MethodGet, "/metrics", Public(), h.metrics)
	r.Add(fiber.MethodGet, "/openapi.yaml", Public(), h.openapi)
}

type statusResponse struct {
	Status string `json:"status"`
}

func (h *Ops) health(c *fiber.Ctx) error {
	return c.JSON(statusResponse{Status: "ok"})
}

func (h *Ops) ready(c *fiber.Ctx) error {
	if err := h.ping(c.UserContext()); err != nil {
		return errkind.Unavailable
	}
	return c.JSON(statusResponse{Status: "ok"})
}

func (h *Ops) openapi(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentType, "application/yaml")
	c.Set(fiber.HeaderCacheControl, "public, max-age=300")
	return c.Send(h.spec)
}
