package handlers

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"speaksafe/accounts"
	"speaksafe/errkind"
)

// allStaff is every staff role: routes whose objects are scoped by the
// store (a caller sees only their own organisation's) admit them all.
func allStaff() []accounts.Role {
	return []accounts.Role{accounts.RoleAdmin, accounts.RoleSupervisor, accounts.RoleOfficer,
		accounts.RoleSafeguardingLead, accounts.RoleSchoolStaff, accounts.RolePartnerPractitioner, accounts.RolePartnerLead}
}

// signedIn is every role, the commissioner's included: routes about the
// caller's own account and organisation.
func signedIn() []accounts.Role { return append(allStaff(), accounts.RoleCommissioner) }

// Organisations serves police forces, schools, oversight offices and agencies.
type Organisations struct {
	store *accounts.Store
}

// NewOrganisations returns the organisation handlers.
func NewOrganisations(store *accounts.Store) *Organisations { return &Organisations{store: store} }

// Routes registers the routes. Admins create and change organisations;
// everyone else sees only their own.
func (h *Organisations) Routes(r *Router) {
	r.Add(fiber.MethodPost, "/v1/organisations", Roles(accounts.RoleAdmin), h.create)
	r.Add(fiber.MethodGet, "/v1/organisations", Roles(signedIn()...), h.list)
	r.Add(fiber.MethodGet, "/v1/organisations/:id", Roles(signedIn()...), h.get)
	r.Add(fiber.MethodPatch, "/v1/organisations/:id", Roles(accounts.RoleAdmin), h.update)
}

type organisationResponse struct {
	ID        string    `json:"id"`
	Kind      string    `json:"kind"`
	Name      string    `json:"name"`
	Code      string    `json:"code"`
	ForceID   string    `json:"forceId,omitempty"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
	// A force's public details.
	Area               string            `json:"area,omitempty"`
	NonEmergencyNumber string            `json:"nonEmergencyNumber,omitempty"`
	ReadingHours       *readingHoursBody `json:"readingHours,omitempty"`
	// An agency's type; the forces an agency serves or an oversight
	// organisation covers.
	AgencyType string   `json:"agencyType,omitempty"`
	ForceIDs   []string `json:"forceIds,omitempty"`
}

func toOrganisation(o accounts.Organisation) organisationResponse {
	return organisationResponse{ID: o.ID, Kind: string(o.Kind), Name: o.Name, Code: o.Code, ForceID: o.ForceID,
		CreatedAt: o.CreatedAt, UpdatedAt: o.UpdatedAt, Area: o.Area, NonEmergencyNumber: o.NonEmergency,
		ReadingHours: toReadingHours(o.ReadingHours), AgencyType: string(o.AgencyType), ForceIDs: o.ForceIDs}
}

type createOrganisationRequest struct {
	Kind    string `json:"kind"`
	Name    string `json:"name"`
	Code    string `json:"code"`
	ForceID string `json:"forceId,omitempty"`
	// A force's public details.
	Area               string            `json:"area,omitempty"`
	NonEmergencyNumber string            `json:"nonEmergencyNumber,omitempty"`
	ReadingHours       *readingHoursBody `json:"readingHours,omitempty"`
	// An agency's type; the forces an agency serves or an oversight
	// organisation covers.
	AgencyType string   `json:"agencyType,omitempty"`
	ForceIDs   []string `json:"forceIds,omitempty"`
}

func (h *Organisations) create(c *fiber.Ctx) error {
	var req createOrganisationRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	o, err := h.store.CreateOrganisation(c.UserContext(), accounts.Organisation{
		Kind: accounts.OrgKind(req.Kind), Name: req.Name, Code: req.Code, ForceID: req.ForceID,
		Area: req.Area, NonEmergency: req.NonEmergencyNumber, ReadingHours: req.ReadingHours.hours(),
		AgencyType: accounts.AgencyType(req.AgencyType), ForceIDs: req.ForceIDs,
	})
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(toOrganisation(o))
}

func (h *Organisations) list(c *fiber.Ctx) error {
	limit, err := pageLimit(c)
	if err != nil {
		return err
	}
	kind := c.Query("kind")
	switch accounts.OrgKind(kind) {
	case "", accounts.OrgForce, accounts.OrgSchool, accounts.OrgOversight, accounts.OrgAgency:
	default:
		return errkind.Invalid("kind", "must be force, school, oversight or agency")
	}
	cursor, err := pageCursor(c)
	if err != nil {
		return err
	}
	items, err := h.store.ListOrganisations(c.UserContext(), accounts.OrganisationQuery{
		Kind: accounts.OrgKind(kind), ForceID: c.Query("forceId"), After: cursor, Limit: limit,
	})
	if err != nil {
		return err
	}
	return c.JSON(pageByID(items, limit, func(o accounts.Organisation) string { return o.ID }, toOrganisation))
}

func (h *Organisations) get(c *fiber.Ctx) error {
	o, err := h.store.Organisation(c.UserContext(), c.Params("id"))
	if err != nil {
		return err
	}
	return c.JSON(toOrganisation(o))
}

type updateOrganisationRequest struct {
	Name               *string              `json:"name,omitempty"`
	Area               *string              `json:"area,omitempty"`
	NonEmergencyNumber *string              `json:"nonEmergencyNumber,omitempty"`
	ReadingHours       optionalReadingHours `json:"readingHours"`
	ForceIDs           *[]string            `json:"forceIds,omitempty"`
}

func (h *Organisations) update(c *fiber.Ctx) error {
	var req updateOrganisationRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	o, err := h.store.UpdateOrganisation(c.UserContext(), c.Params("id"), accounts.OrganisationPatch{Name: req.Name,
		Area: req.Area, NonEmergency: req.NonEmergencyNumber, ReadingHours: req.ReadingHours.patch(),
		ForceIDs: req.ForceIDs})
	if err != nil {
		return err
	}
	return c.JSON(toOrganisation(o))
}

// pageLimit reads the limit query parameter: 1 to 100, 50 when absent.
func pageLimit(c *fiber.Ctx) (int, error) {
	if c.Query("limit") == "" {
		return 50, nil
	}
	n := c.QueryInt("limit", -1)
	if n < 1 || n > 100 {
		return 0, errkind.Invalid("limit", "must be 1 to 100")
	}
	return n, nil
}
