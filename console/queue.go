package console

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"speaksafe/handlers"
	"speaksafe/reminders"
	"speaksafe/reports"
)

func (c *Console) queueRoutes() {
	c.add(fiber.MethodGet, "/cases", handlers.Roles(handlerRoles()...), c.queue)
	c.reminderSettingsRoutes()
}

type queueView struct {
	Status string
	Cases  []reports.CaseSummary
	Next   string
	Names  map[string]string
	// Reminders are what GET /v1/reminders gives the caller; Waiting
	// marks the queue's cases that have one.
	Reminders []reminders.Reminder
	// MoreReminders counts the reminders past the first shownReminders,
	// which the page counts rather than lists.
	MoreReminders int
	Waiting       map[string][]string
	Overdue       int
	// ShowReminders: the first page of open cases only, so that paging
	// on or reading closed cases does not work them out again.
	ShowReminders bool
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
	v := queueView{Status: string(f.Status), Cases: page.Cases, Next: page.NextCursor, Names: names}
	if err := c.queueReminders(ctx, &v); err != nil {
		return err
	}
	return c.render(ctx, "queue", "Case queue", v)
}

// shownReminders is how many reminders the queue page lists, the oldest
// first; a force far behind has hundreds, which one page cannot usefully
// show (each case in the queue still carries its own).
const shownReminders = 50

// queueReminders adds the caller's reminders (as GET /v1/reminders: a
// supervisor every one of the force, an officer those of their cases and
// of cases assigned to nobody) and counts the alerts on the page nobody
// acknowledged in time (escalating, or the policy ran out).
func (c *Console) queueReminders(ctx *fiber.Ctx, v *queueView) error {
	if ctx.Query("cursor") != "" || v.Status == string(reports.StatusClosed) {
		return nil
	}
	v.ShowReminders = true
	rems, err := c.d.Reminders.List(ctx.UserContext())
	if err != nil {
		return err
	}
	shown := min(len(rems), shownReminders)
	v.Reminders, v.MoreReminders, v.Waiting = rems[:shown], len(rems)-shown, map[string][]string{}
	for _, r := range rems {
		v.Waiting[r.CaseID] = append(v.Waiting[r.CaseID], strings.ReplaceAll(string(r.Kind), "_", " "))
	}
	for _, cs := range v.Cases {
		if cs.AlertState == reports.AlertOverdue || cs.AlertState == reports.AlertUnacknowledged {
			v.Overdue++
		}
	}
	return nil
}
