package console

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"speaksafe/alerts"
	"speaksafe/handlers"
)

func (c *Console) alertRoutes() {
	p := handlers.Roles(handlerRoles()...)
	c.add(fiber.MethodGet, "/alerts", p, c.alerts)
	c.add(fiber.MethodPost, "/alerts/:id/ack", p, c.ackAlert)
}

type alertsView struct {
	Alerts []alerts.Alert
}

// alerts lists what GET /v1/alerts lists: the force's alerts still waiting,
// each with its case's reference and reasons, never the child's words.
func (c *Console) alerts(ctx *fiber.Ctx) error {
	items, err := c.d.Alerts.List(ctx.UserContext(), 100)
	if err != nil {
		return err
	}
	return c.render(ctx, "alerts", "Alerts", alertsView{Alerts: items})
}

// ackAlert acknowledges as POST /v1/alerts/{id}/ack does: escalation stops
// and the time to acknowledge is measured.
func (c *Console) ackAlert(ctx *fiber.Ctx) error {
	if _, err := c.d.Alerts.Ack(ctx.UserContext(), strings.Clone(ctx.Params("id"))); err != nil {
		return err
	}
	return redirect(ctx, "/alerts")
}
