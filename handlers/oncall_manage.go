package handlers

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"speaksafe/oncall"
)

// manageRoutes registers the editing and deleting of rotations, policies
// and overrides, and the listing of overrides.
func (h *OnCall) manageRoutes(r *Router, manage, read Policy) {
	r.Add(fiber.MethodPatch, "/v1/oncall/rotations/:id", manage, h.updateRotation)
	r.Add(fiber.MethodDelete, "/v1/oncall/rotations/:id", manage, h.deleteRotation)
	r.Add(fiber.MethodPut, "/v1/oncall/policies/:id", manage, h.replacePolicy)
	r.Add(fiber.MethodDelete, "/v1/oncall/policies/:id", manage, h.deletePolicy)
	r.Add(fiber.MethodGet, "/v1/oncall/overrides", read, h.listOverrides)
	r.Add(fiber.MethodDelete, "/v1/oncall/overrides/:id", manage, h.deleteOverride)
}

type rotationPatchRequest struct {
	Name       *string   `json:"name,omitempty"`
	Members    *[]string `json:"members,omitempty"`
	ShiftHours *int      `json:"shiftHours,omitempty"`
	Handover   *string   `json:"handover,omitempty"`
	TimeZone   *string   `json:"timeZone,omitempty"`
	StartDate  *string   `json:"startDate,omitempty"`
}

func (h *OnCall) updateRotation(c *fiber.Ctx) error {
	var req rotationPatchRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	r, err := h.store.UpdateRotation(c.UserContext(), strings.Clone(c.Params("id")), oncall.RotationPatch{
		Name: req.Name, Members: req.Members, ShiftHours: req.ShiftHours, Handover: req.Handover,
		TimeZone: req.TimeZone, StartDate: req.StartDate})
	if err != nil {
		return err
	}
	return c.JSON(toRotation(r))
}

func (h *OnCall) deleteRotation(c *fiber.Ctx) error {
	if err := h.store.DeleteRotation(c.UserContext(), strings.Clone(c.Params("id"))); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (h *OnCall) replacePolicy(c *fiber.Ctx) error {
	var req policyRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	p, err := h.store.ReplacePolicy(c.UserContext(), strings.Clone(c.Params("id")), req.policy())
	if err != nil {
		return err
	}
	_, def, err := h.store.Policies(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(toPolicy(p, p.ID == def))
}

func (h *OnCall) deletePolicy(c *fiber.Ctx) error {
	if err := h.store.DeletePolicy(c.UserContext(), strings.Clone(c.Params("id"))); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func toOverride(o oncall.Override) overrideResponse {
	return overrideResponse{ID: o.ID, RotationID: o.RotationID, Mode: o.Mode, UserID: o.UserID,
		ReplaceUserID: o.ReplaceUserID, Start: o.Start, End: o.End, CreatedAt: o.CreatedAt}
}

func (h *OnCall) listOverrides(c *fiber.Ctx) error {
	items, err := h.store.Overrides(c.UserContext(), strings.Clone(c.Query("rotationId")))
	if err != nil {
		return err
	}
	out := listResponse[overrideResponse]{Items: make([]overrideResponse, len(items))}
	for i, o := range items {
		out.Items[i] = toOverride(o)
	}
	return c.JSON(out)
}

func (h *OnCall) deleteOverride(c *fiber.Ctx) error {
	if err := h.store.DeleteOverride(c.UserContext(), strings.Clone(c.Params("id"))); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}
