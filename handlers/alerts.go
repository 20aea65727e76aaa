package handlers

import (
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"speaksafe/alerts"
)

// Alerts serves urgent-case alerts to the officers of their force: the
// list, delivery receipts and acknowledgement.
type Alerts struct {
	engine *alerts.Dispatcher
}

// NewAlerts returns the /v1/alerts handlers.
func NewAlerts(engine *alerts.Dispatcher) *Alerts { return &Alerts{engine: engine} }

// Routes registers the routes.
func (h *Alerts) Routes(r *Router) {
	force := Roles(onCallRoles()...) // partners too: the store answers 404 for a force's alert, as for none
	r.Add(fiber.MethodGet, "/v1/alerts", force, h.list)
	r.Add(fiber.MethodGet, "/v1/alerts/:id", force, h.get)
	r.Add(fiber.MethodPost, "/v1/alerts/:id/received", force, h.received)
	r.Add(fiber.MethodPost, "/v1/alerts/:id/ack", force, h.ack)
}

type alertResponse struct {
	ID             string     `json:"id"`
	State          string     `json:"state"`
	Step           int        `json:"step"`  // the current escalation step, from 0
	Tier           int        `json:"tier"`  // the policy tier of the current step, from 0
	Round          int        `json:"round"` // times the policy was walked before, from 0
	PagesSent      int        `json:"pagesSent"`
	Gaps           int        `json:"gaps"` // steps that reached nobody
	OpenedAt       time.Time  `json:"openedAt"`
	FirstPageAt    *time.Time `json:"firstPageAt,omitempty"`
	DeliveredAt    *time.Time `json:"deliveredAt,omitempty"`
	AcknowledgedAt *time.Time `json:"acknowledgedAt,omitempty"`
	AcknowledgedBy string     `json:"acknowledgedBy,omitempty"`
	Repages        int        `json:"repages"` // supervisors' pages since the policy ran out
	// What the alert may show of its case: enough to triage from a lock
	// screen, never the report's text.
	Reference     string     `json:"reference,omitempty"`
	Category      string     `json:"category,omitempty"`
	UrgentReasons []string   `json:"urgentReasons"`
	MeetingAt     *time.Time `json:"meetingAt,omitempty"`
	Flood         string     `json:"flood,omitempty"`
}

func toAlert(a alerts.Alert) alertResponse {
	out := alertResponse{ID: a.ID, State: a.State, Step: a.Step, Tier: a.Tier, Round: a.Round,
		PagesSent: a.PagesSent, Gaps: a.Gaps, OpenedAt: a.OpenedAt, FirstPageAt: a.FirstPageAt,
		DeliveredAt: a.DeliveredAt, AcknowledgedAt: a.AckAt, AcknowledgedBy: a.AckBy, Repages: a.Repages,
		UrgentReasons: []string{}}
	if in := a.Case; in != nil {
		out.Reference, out.Category, out.MeetingAt = in.Reference, string(in.Category), in.MeetingAt
		out.Flood = string(in.FloodKind)
		for _, r := range in.Reasons {
			out.UrgentReasons = append(out.UrgentReasons, string(r))
		}
	}
	return out
}

func (h *Alerts) list(c *fiber.Ctx) error {
	limit, err := pageLimit(c)
	if err != nil {
		return err
	}
	items, next, err := h.engine.Page(c.UserContext(), limit, strings.Clone(c.Query("cursor")))
	if err != nil {
		return err
	}
	out := listResponse[alertResponse]{Items: make([]alertResponse, len(items)), Next: next}
	for i, a := range items {
		out.Items[i] = toAlert(a)
	}
	return c.JSON(out)
}

func (h *Alerts) get(c *fiber.Ctx) error {
	a, err := h.engine.Get(c.UserContext(), c.Params("id"))
	if err != nil {
		return err
	}
	return c.JSON(toAlert(a))
}

func (h *Alerts) received(c *fiber.Ctx) error {
	a, err := h.engine.Received(c.UserContext(), c.Params("id"))
	if err != nil {
		return err
	}
	return c.JSON(toAlert(a))
}

func (h *Alerts) ack(c *fiber.Ctx) error {
	a, err := h.engine.Ack(c.UserContext(), c.Params("id"))
	if err != nil {
		return err
	}
	return c.JSON(toAlert(a))
}
