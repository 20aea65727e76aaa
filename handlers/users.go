package handlers

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"speaksafe/accounts"
)

// Users serves staff accounts. Who may manage whom is decided in
// accounts (SECURITY 26): a user the caller cannot see is 404, one they
// see but may not manage 403. Admins manage everyone; safeguarding leads
// the users of their own organisation whose role grants no more than
// theirs; supervisors may read theirs.
type Users struct {
	store *accounts.Store
}

// NewUsers returns the user handlers.
func NewUsers(store *accounts.Store) *Users { return &Users{store: store} }

// Routes registers the routes.
func (h *Users) Routes(r *Router) {
	managers := Roles(accounts.RoleAdmin, accounts.RoleSafeguardingLead, accounts.RolePartnerLead)
	r.Add(fiber.MethodPost, "/v1/users", managers, h.create)
	r.Add(fiber.MethodGet, "/v1/users", Roles(accounts.RoleAdmin, accounts.RoleSafeguardingLead, accounts.RoleSupervisor, accounts.RolePartnerLead), h.list)
	r.Add(fiber.MethodGet, "/v1/users/:id", Roles(allStaff()...), h.get)
	// Open to all staff so that a user one cannot see answers 404 whatever
	// one's role; the store refuses everything else.
	r.Add(fiber.MethodPatch, "/v1/users/:id", Roles(allStaff()...), h.update)
	r.Add(fiber.MethodPost, "/v1/users/:id/invite", Roles(allStaff()...), h.reissueInvite)
	r.Add(fiber.MethodPost, "/v1/users/:id/mfa/reset", Roles(allStaff()...), h.resetMFA)
	r.Add(fiber.MethodGet, "/v1/directory", Roles(accounts.RoleOfficer, accounts.RoleSupervisor), h.directory)
}

func (h *Users) resetMFA(c *fiber.Ctx) error {
	if err := h.store.ResetMFA(c.UserContext(), c.Params("id")); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// colleague is one entry of the force directory: name and role, nothing
// more (no email, no state).
type colleague struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Role string `json:"role"`
}

func (h *Users) directory(c *fiber.Ctx) error {
	limit, err := pageLimit(c)
	if err != nil {
		return err
	}
	items, err := h.store.Directory(c.UserContext(), c.Query("cursor"), limit)
	if err != nil {
		return err
	}
	return c.JSON(pageByID(items, limit, userID, func(u accounts.User) colleague {
		return colleague{ID: u.ID, Name: u.Name, Role: string(u.Role)}
	}))
}

type inviteResponse struct {
	InviteToken string `json:"inviteToken"`
}

func (h *Users) reissueInvite(c *fiber.Ctx) error {
	tok, err := h.store.ReissueInvite(c.UserContext(), c.Params("id"))
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(inviteResponse{InviteToken: tok})
}

type userResponse struct {
	ID          string    `json:"id"`
	Email       string    `json:"email"`
	Name        string    `json:"name"`
	Role        string    `json:"role"`
	OrgID       string    `json:"orgId,omitempty"`
	Disabled    bool      `json:"disabled"`
	MFAEnrolled bool      `json:"mfaEnrolled"`
	CreatedAt   time.Time `json:"createdAt"`
	UpdatedAt   time.Time `json:"updatedAt"`
}

func toUser(u accounts.User) userResponse {
	return userResponse{ID: u.ID, Email: u.Email, Name: u.Name, Role: string(u.Role), OrgID: u.OrgID,
		Disabled: u.Disabled, MFAEnrolled: u.MFAEnrolled(), CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt}
}

type createUserRequest struct {
	Email string `json:"email"`
	Name  string `json:"name"`
	Role  string `json:"role"`
	OrgID string `json:"orgId,omitempty"`
}

type createdUserResponse struct {
	userResponse
	// InviteToken is shown once: the new user sets a password with it.
	InviteToken string `json:"inviteToken"`
}

func (h *Users) create(c *fiber.Ctx) error {
	var req createUserRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	u, invite, err := h.store.CreateUser(c.UserContext(), accounts.NewUser{
		Email: req.Email, Name: req.Name, Role: accounts.Role(req.Role), OrgID: req.OrgID,
	})
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(createdUserResponse{userResponse: toUser(u), InviteToken: invite})
}

func userID(u accounts.User) string { return u.ID }

func (h *Users) list(c *fiber.Ctx) error {
	limit, err := pageLimit(c)
	if err != nil {
		return err
	}
	cursor, err := pageCursor(c)
	if err != nil {
		return err
	}
	items, err := h.store.ListUsers(c.UserContext(), accounts.UserQuery{
		OrgID: c.Query("orgId"), Role: accounts.Role(c.Query("role")), After: cursor, Limit: limit,
	})
	if err != nil {
		return err
	}
	return c.JSON(pageByID(items, limit, userID, toUser))
}

func (h *Users) get(c *fiber.Ctx) error {
	u, err := h.store.GetUser(c.UserContext(), c.Params("id"))
	if err != nil {
		return err
	}
	return c.JSON(toUser(u))
}

type updateUserRequest struct {
	Name     *string `json:"name,omitempty"`
	Role     *string `json:"role,omitempty"`
	Disabled *bool   `json:"disabled,omitempty"`
}

func (h *Users) update(c *fiber.Ctx) error {
	var req updateUserRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	p := accounts.UserPatch{Name: req.Name, Disabled: req.Disabled}
	if req.Role != nil {
		r := accounts.Role(*req.Role)
		p.Role = &r
	}
	u, err := h.store.UpdateUser(c.UserContext(), c.Params("id"), p)
	if err != nil {
		return err
	}
	return c.JSON(toUser(u))
}
