package handlers

import (
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"speaksafe/reports"
)

// CaseRecords serves what a force does with a case for its own records:
// the signed export bundle, and legal holds that keep a case from the
// retention schedule. Like the other case routes, the policy admits every
// staff role so that the store answers 404 to anyone outside the force.
type CaseRecords struct {
	store *reports.Store
}

// NewCaseRecords returns the export and legal hold handlers.
func NewCaseRecords(store *reports.Store) *CaseRecords { return &CaseRecords{store: store} }

// Routes registers the export and legal hold routes.
func (h *CaseRecords) Routes(r *Router) {
	p := Roles(caseRoles()...)
	r.Add(fiber.MethodPost, "/v1/cases/:id/export", p, h.export)
	r.Add(fiber.MethodPut, "/v1/cases/:id/legal-hold", p, h.setHold)
	r.Add(fiber.MethodDelete, "/v1/cases/:id/legal-hold", p, h.releaseHold)
}

func (h *CaseRecords) export(c *fiber.Ctx) error {
	b, err := h.store.Export(c.UserContext(), strings.Clone(c.Params("id")))
	if err != nil {
		return err
	}
	return SendExport(c, b)
}

// SendExport answers a case's signed export bundle b as a JSON file to
// download (the API's export and the console's).
func SendExport(c *fiber.Ctx, b []byte) error {
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="case-export.json"`)
	return c.Send(b)
}

type legalHoldRequest struct {
	Reason string `json:"reason"`
}

type legalHoldResponse struct {
	Reason string    `json:"reason"`
	By     string    `json:"by"`
	At     time.Time `json:"at"`
}

func (h *CaseRecords) setHold(c *fiber.Ctx) error {
	var req legalHoldRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	hold, err := h.store.SetLegalHold(c.UserContext(), strings.Clone(c.Params("id")), req.Reason)
	if err != nil {
		return err
	}
	return c.JSON(legalHoldResponse{Reason: hold.Reason, By: hold.By, At: hold.At})
}

func (h *CaseRecords) releaseHold(c *fiber.Ctx) error {
	if err := h.store.ReleaseLegalHold(c.UserContext(), strings.Clone(c.Params("id"))); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}
