package handlers

import (
	"github.com/gofiber/fiber/v2"

	"speaksafe/accounts"
)

// Me serves the signed-in caller's own account and their second factor.
// Every change of the second factor needs a step-up: a token from
// POST /v1/me/step-up, which re-checks the password (and the second
// factor, when enrolled) and lives five minutes.
type Me struct {
	store  *accounts.Store
	auth   *accounts.Auth
	limits *Limits
}

// NewMe returns the /v1/me handlers.
func NewMe(store *accounts.Store, auth *accounts.Auth, limits *Limits) *Me {
	return &Me{store: store, auth: auth, limits: limits}
}

// Routes registers the routes.
func (h *Me) Routes(r *Router) {
	all := Roles(signedIn()...)
	r.Add(fiber.MethodGet, "/v1/me", all, h.get)
	r.Add(fiber.MethodPost, "/v1/me/step-up", all, h.limits.PerClient("login", loginPerClient, authWindow), h.stepUp)
	r.Add(fiber.MethodPost, "/v1/me/mfa/totp", all, h.enrol)
	r.Add(fiber.MethodPost, "/v1/me/mfa/totp/confirm", all, h.confirm)
	r.Add(fiber.MethodPost, "/v1/me/mfa/totp/disable", all, h.disable)
	r.Add(fiber.MethodPost, "/v1/me/mfa/recovery-codes", all, h.regenerate)
}

type meResponse struct {
	userResponse
	OrgKind string `json:"orgKind,omitempty"`
	ForceID string `json:"forceId,omitempty"`
}

func (h *Me) get(c *fiber.Ctx) error {
	caller, err := accounts.RequireCaller(c.UserContext())
	if err != nil {
		return err
	}
	u, err := h.store.GetUser(c.UserContext(), caller.UserID)
	if err != nil {
		return err
	}
	return c.JSON(meResponse{userResponse: toUser(u), OrgKind: string(u.OrgKind), ForceID: u.ForceID})
}

type stepUpRequest struct {
	Password     string `json:"password"`
	TOTPCode     string `json:"totpCode,omitempty"`
	RecoveryCode string `json:"recoveryCode,omitempty"`
}

type stepUpResponse struct {
	StepUpToken string `json:"stepUpToken"`
	ExpiresIn   int    `json:"expiresIn"`
}

func (h *Me) stepUp(c *fiber.Ctx) error {
	var req stepUpRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	caller, err := accounts.RequireCaller(c.UserContext())
	if err != nil {
		return err
	}
	tok, err := h.auth.StepUp(c.UserContext(), caller.UserID, accounts.Credentials{Password: req.Password,
		TOTPCode: req.TOTPCode, RecoveryCode: req.RecoveryCode, Client: h.limits.clientKey(c)})
	if err != nil {
		return err
	}
	return c.JSON(stepUpResponse{StepUpToken: tok, ExpiresIn: int(accounts.StepUpTTL.Seconds())})
}

type steppedUpRequest struct {
	StepUpToken string `json:"stepUpToken"`
}

// steppedUp decodes a body carrying a step-up token into req and checks the
// token for the caller, answering the caller's id.
func (h *Me) steppedUp(c *fiber.Ctx, req any, token func() string) (string, error) {
	if err := decodeJSON(c, req); err != nil {
		return "", err
	}
	caller, err := accounts.RequireCaller(c.UserContext())
	if err != nil {
		return "", err
	}
	return caller.UserID, h.auth.RequireStepUp(c.UserContext(), caller.UserID, token())
}

func (h *Me) enrol(c *fiber.Ctx) error {
	var req steppedUpRequest
	id, err := h.steppedUp(c, &req, func() string { return req.StepUpToken })
	if err != nil {
		return err
	}
	e, err := h.auth.EnrolTOTP(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(enrolmentResponse{Secret: e.Secret, OTPAuthURI: e.URI})
}

type confirmRequest struct {
	Code        string `json:"code"`
	StepUpToken string `json:"stepUpToken"`
}

type recoveryCodesResponse struct {
	RecoveryCodes []string `json:"recoveryCodes"`
}

func (h *Me) confirm(c *fiber.Ctx) error {
	var req confirmRequest
	id, err := h.steppedUp(c, &req, func() string { return req.StepUpToken })
	if err != nil {
		return err
	}
	codes, err := h.auth.ConfirmTOTP(c.UserContext(), id, req.Code)
	if err != nil {
		return err
	}
	return c.JSON(recoveryCodesResponse{RecoveryCodes: codes})
}

func (h *Me) disable(c *fiber.Ctx) error {
	var req steppedUpRequest
	id, err := h.steppedUp(c, &req, func() string { return req.StepUpToken })
	if err != nil {
		return err
	}
	if err := h.auth.DisableTOTP(c.UserContext(), id); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (h *Me) regenerate(c *fiber.Ctx) error {
	var req steppedUpRequest
	id, err := h.steppedUp(c, &req, func() string { return req.StepUpToken })
	if err != nil {
		return err
	}
	codes, err := h.auth.RegenerateRecoveryCodes(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(recoveryCodesResponse{RecoveryCodes: codes})
}
