package handlers

import (
	"github.com/gofiber/fiber/v2"

	"speaksafe/accounts"
)

// Me serves the signed-in caller's own account and voluntary TOTP
// enrolment.
type Me struct {
	store *accounts.Store
	auth  *accounts.Auth
}

// NewMe returns the /v1/me handlers.
func NewMe(store *accounts.Store, auth *accounts.Auth) *Me { return &Me{store: store, auth: auth} }

// Routes registers the routes.
func (h *Me) Routes(r *Router) {
	r.Add(fiber.MethodGet, "/v1/me", Roles(allStaff()...), h.get)
	r.Add(fiber.MethodPost, "/v1/me/mfa/totp", Roles(allStaff()...), h.enrol)
	r.Add(fiber.MethodPost, "/v1/me/mfa/totp/confirm", Roles(allStaff()...), h.confirm)
}

type meResponse struct {
	userResponse
	OrgKind string `json:"orgKind,omitempty"`
	ForceID string `json:"forceId,omitempty"`
}

func (h *Me) get(c *fiber.Ctx) error {
	caller, _ := accounts.CallerFrom(c.UserContext())
	u, err := h.store.GetUser(c.UserContext(), caller.UserID)
	if err != nil {
		return err
	}
	return c.JSON(meResponse{userResponse: toUser(u), OrgKind: string(u.OrgKind), ForceID: u.ForceID})
}

func (h *Me) enrol(c *fiber.Ctx) error {
	caller, _ := accounts.CallerFrom(c.UserContext())
	e, err := h.auth.EnrolTOTP(c.UserContext(), caller.UserID)
	if err != nil {
		return err
	}
	return c.JSON(enrolmentResponse{Secret: e.Secret, OTPAuthURI: e.URI})
}

type confirmRequest struct {
	Code string `json:"code"`
}

type recoveryCodesResponse struct {
	RecoveryCodes []string `json:"recoveryCodes"`
}

func (h *Me) confirm(c *fiber.Ctx) error {
	var req confirmRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	caller, _ := accounts.CallerFrom(c.UserContext())
	codes, err := h.auth.ConfirmTOTP(c.UserContext(), caller.UserID, req.Code)
	if err != nil {
		return err
	}
	return c.JSON(recoveryCodesResponse{RecoveryCodes: codes})
}
