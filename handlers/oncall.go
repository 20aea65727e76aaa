package handlers

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"speaksafe/accounts"
	"speaksafe/oncall"
)

// OnCall serves a force's rotations and overrides; policies are in
// oncall_policies.go. Supervisors manage them; officers may read.
type OnCall struct {
	store *oncall.OnCall
}

// NewOnCall returns the /v1/oncall handlers.
func NewOnCall(store *oncall.OnCall) *OnCall { return &OnCall{store: store} }

// onCallRoles are the roles that go on call and are paged: a force's
// officers and supervisors, and a partner agency's practitioners and leads
// (an agency runs its own on-call as a force does).
func onCallRoles() []accounts.Role {
	return []accounts.Role{accounts.RoleOfficer, accounts.RoleSupervisor, accounts.RolePartnerPractitioner, accounts.RolePartnerLead}
}

// Routes registers the routes.
func (h *OnCall) Routes(r *Router) {
	// An agency's leads run its on-call as supervisors run a force's.
	manage := Roles(accounts.RoleSupervisor, accounts.RolePartnerLead)
	read := Roles(onCallRoles()...)
	r.Add(fiber.MethodPost, "/v1/oncall/rotations", manage, h.createRotation)
	r.Add(fiber.MethodGet, "/v1/oncall/rotations", read, h.listRotations)
	r.Add(fiber.MethodPost, "/v1/oncall/overrides", manage, h.createOverride)
	r.Add(fiber.MethodPost, "/v1/oncall/policies", manage, h.createPolicy)
	r.Add(fiber.MethodGet, "/v1/oncall/policies", read, h.listPolicies)
	r.Add(fiber.MethodPut, "/v1/oncall/policies/:id/default", manage, h.setDefault)
	r.Add(fiber.MethodGet, "/v1/oncall/now", read, h.now)
	h.manageRoutes(r, manage, read)
}

type rotationRequest struct {
	Name       string   `json:"name"`
	Members    []string `json:"members"`
	ShiftHours int      `json:"shiftHours"`
	Handover   string   `json:"handover"`
	TimeZone   string   `json:"timeZone"`
	StartDate  string   `json:"startDate"`
}

type rotationResponse struct {
	ID         string    `json:"id"`
	Name       string    `json:"name"`
	Members    []string  `json:"members"`
	ShiftHours int       `json:"shiftHours"`
	Handover   string    `json:"handover"`
	TimeZone   string    `json:"timeZone"`
	StartDate  string    `json:"startDate"`
	CreatedAt  time.Time `json:"createdAt"`
}

func toRotation(r oncall.Rotation) rotationResponse {
	return rotationResponse{ID: r.ID, Name: r.Name, Members: r.Members, ShiftHours: r.ShiftHours,
		Handover: r.Handover, TimeZone: r.TimeZone, StartDate: r.StartDate, CreatedAt: r.CreatedAt}
}

func (h *OnCall) createRotation(c *fiber.Ctx) error {
	var req rotationRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	r, err := h.store.CreateRotation(c.UserContext(), oncall.Rotation{Name: req.Name, Members: req.Members,
		ShiftHours: req.ShiftHours, Handover: req.Handover, TimeZone: req.TimeZone, StartDate: req.StartDate})
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(toRotation(r))
}

func (h *OnCall) listRotations(c *fiber.Ctx) error {
	items, err := h.store.Rotations(c.UserContext())
	if err != nil {
		return err
	}
	out := listResponse[rotationResponse]{Items: make([]rotationResponse, len(items))}
	for i, r := range items {
		out.Items[i] = toRotation(r)
	}
	return c.JSON(out)
}

type overrideRequest struct {
	RotationID    string    `json:"rotationId"`
	Mode          string    `json:"mode"`          // "add" or "replace"
	UserID        string    `json:"userId"`        // who goes on call
	ReplaceUserID string    `json:"replaceUserId"` // with "replace": whom they stand in for; empty for whoever is on call
	Start         time.Time `json:"start"`
	End           time.Time `json:"end"` // exclusive
}

type overrideResponse struct {
	ID            string    `json:"id"`
	RotationID    string    `json:"rotationId"`
	Mode          string    `json:"mode"`
	UserID        string    `json:"userId"`
	ReplaceUserID string    `json:"replaceUserId,omitempty"`
	Start         time.Time `json:"start"`
	End           time.Time `json:"end"`
	CreatedAt     time.Time `json:"createdAt"`
}

func (h *OnCall) createOverride(c *fiber.Ctx) error {
	var req overrideRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	o, err := h.store.CreateOverride(c.UserContext(), oncall.Override{RotationID: req.RotationID,
		Mode: req.Mode, UserID: req.UserID, ReplaceUserID: req.ReplaceUserID, Start: req.Start, End: req.End})
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(toOverride(o))
}
