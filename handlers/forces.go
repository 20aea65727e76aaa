package handlers

import (
	"context"

	"github.com/gofiber/fiber/v2"

	"speaksafe/accounts"
)

// ForceDirectory reads the public details of police forces and schools
// (accounts.Store implements it).
type ForceDirectory interface {
	// Forces returns every police force.
	Forces(ctx context.Context) ([]accounts.Organisation, error)
	// GetOrganisation returns organisation id, or an error wrapping
	// errkind.NotFound.
	GetOrganisation(ctx context.Context, id string) (accounts.Organisation, error)
}

// Forces serves the public list of police forces, so that the app never
// hard-codes their codes.
type Forces struct {
	dir ForceDirectory
}

// NewForces returns the force list handler.
func NewForces(dir ForceDirectory) *Forces { return &Forces{dir: dir} }

// Routes registers the force list route.
func (h *Forces) Routes(r *Router) {
	r.Add(fiber.MethodGet, "/v1/forces", Public(), h.list)
}

// forceResponse is what anyone may know of a force.
type forceResponse struct {
	Code               string            `json:"code"`
	Name               string            `json:"name"`
	Area               string            `json:"area,omitempty"`
	NonEmergencyNumber string            `json:"nonEmergencyNumber,omitempty"`
	ReadingHours       *readingHoursBody `json:"readingHours,omitempty"`
}

func toForce(o accounts.Organisation) forceResponse {
	return forceResponse{Code: o.Code, Name: o.Name, Area: o.Area, NonEmergencyNumber: o.NonEmergency,
		ReadingHours: toReadingHours(o.ReadingHours)}
}

func (h *Forces) list(c *fiber.Ctx) error {
	forces, err := h.dir.Forces(c.UserContext())
	if err != nil {
		return err
	}
	out := listResponse[forceResponse]{Items: make([]forceResponse, 0, len(forces))}
	for _, f := range forces {
		out.Items = append(out.Items, toForce(f))
	}
	c.Set(fiber.HeaderCacheControl, "public, max-age=300")
	return c.JSON(out)
}
