package handlers

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"speaksafe/accounts"
	"speaksafe/reminders"
)

// Reminders lists what waits unseen in a force's cases, and lets its
// supervisors set the thresholds.
type Reminders struct {
	svc *reminders.Service
}

// NewReminders returns the reminder handlers.
func NewReminders(svc *reminders.Service) *Reminders { return &Reminders{svc: svc} }

// Routes registers the reminder routes.
func (h *Reminders) Routes(r *Router) {
	staff := Roles(accounts.RoleOfficer, accounts.RoleSupervisor)
	r.Add(fiber.MethodGet, "/v1/reminders", staff, h.list)
	r.Add(fiber.MethodGet, "/v1/reminders/settings", staff, h.settings)
	r.Add(fiber.MethodPut, "/v1/reminders/settings", Roles(accounts.RoleSupervisor), h.setSettings)
}

type reminderResponse struct {
	ID         string    `json:"id"`
	Kind       string    `json:"kind"`
	CaseID     string    `json:"caseId"`
	Reference  string    `json:"reference"`
	Urgent     bool      `json:"urgent"`
	AssignedTo string    `json:"assignedTo,omitempty"`
	DueAt      time.Time `json:"dueAt"`
	ReferralID string    `json:"referralId,omitempty"`
}

func (h *Reminders) list(c *fiber.Ctx) error {
	rems, err := h.svc.List(c.UserContext())
	if err != nil {
		return err
	}
	out := struct {
		Items []reminderResponse `json:"items"`
	}{Items: make([]reminderResponse, 0, len(rems))}
	for _, r := range rems {
		out.Items = append(out.Items, reminderResponse{ID: r.ID, Kind: string(r.Kind), CaseID: r.CaseID, Reference: r.Reference,
			Urgent: r.Urgent, AssignedTo: r.AssignedTo, DueAt: r.DueAt, ReferralID: r.ReferralID})
	}
	return c.JSON(out)
}

// maxSettingMinutes keeps a huge number from wrapping into a valid
// duration.
const maxSettingMinutes = 1 << 20

// reminderSettingsBody is a force's thresholds in minutes.
type reminderSettingsBody struct {
	NotOpenedMinutes     int `json:"notOpenedMinutes"`
	UnreadMessageMinutes int `json:"unreadMessageMinutes"`
	NoActivityMinutes    int `json:"noActivityMinutes"`
	EscalateAfterMinutes int `json:"escalateAfterMinutes"`
}

func toSettingsBody(s reminders.Settings) reminderSettingsBody {
	return reminderSettingsBody{NotOpenedMinutes: int(s.NotOpened.Minutes()), UnreadMessageMinutes: int(s.UnreadMessage.Minutes()),
		NoActivityMinutes: int(s.NoActivity.Minutes()), EscalateAfterMinutes: int(s.EscalateAfter.Minutes())}
}

func (h *Reminders) settings(c *fiber.Ctx) error {
	s, err := h.svc.Settings(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(toSettingsBody(s))
}

func (h *Reminders) setSettings(c *fiber.Ctx) error {
	var req reminderSettingsBody
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	m := func(n int) time.Duration {
		if n < 0 || n > maxSettingMinutes {
			return -1 // out of every range: Validate names the field
		}
		return time.Duration(n) * time.Minute
	}
	s, err := h.svc.SetSettings(c.UserContext(), reminders.Settings{NotOpened: m(req.NotOpenedMinutes),
		UnreadMessage: m(req.UnreadMessageMinutes), NoActivity: m(req.NoActivityMinutes), EscalateAfter: m(req.EscalateAfterMinutes)})
	if err != nil {
		return err
	}
	return c.JSON(toSettingsBody(s))
}
