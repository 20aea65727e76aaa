package console

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"speaksafe/handlers"
	"speaksafe/reports"
)

func (c *Console) queueRoutes() {
	c.add(fiber.MethodGet, "/cases", handlers.Roles(handlerRoles()...), c.queue)
}

type queueView struct {
	Status string
	Cases  []reports.CaseSummary
	Next   string
	Names  map[string]string
}

// queue is the force's case queue in the order GET /v1/cases answers it:
// unacknowledged urgent cases first, by severity, then the rest.
func (c *Console) queue(ctx *fiber.Ctx) error {
	f := reports.QueueFilter{Status: reports.Status(strings.Clone(ctx.Query("status"))),
		Cursor: strings.Clone(ctx.Query("cursor")), Limit: 50}
	page, err := c.d.Reports.Queue(ctx.UserContext(), f)
	if err != nil {
		return err
	}
	people, err := c.d.Accounts.Directory(ctx.UserContext(), "", 100)
	if err != nil {
		return err
	}
	names := map[string]string{}
	for _, u := range people {
		names[u.ID] = u.Name
	}
	return c.render(ctx, "queue", "Case queue", queueView{Status: string(f.Status), Cases: page.Cases, Next: page.NextCursor, Names: names})
}
