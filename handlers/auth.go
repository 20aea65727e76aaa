package handlers

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"speaksafe/accounts"
)

// Auth serves sign-in, token refresh, sign-out, invite acceptance and the
// TOTP enrolment that MFA-bound roles complete before their first token.
type Auth struct {
	auth   *accounts.Auth
	limits *Limits
}

// NewAuth returns the sign-in handlers.
func NewAuth(auth *accounts.Auth, limits *Limits) *Auth {
	return &Auth{auth: auth, limits: limits}
}

// Per-client allowances of the public credential routes. Logins are also
// limited per (account, client) and slowed down per account inside
// accounts.Auth; nothing refuses one client because of another's failures.
const (
	loginPerClient  = 20
	tokenPerClient  = 60
	invitePerClient = 10
	authWindow      = time.Minute
)

// Routes registers the routes. They are public: the credential is in the
// body (password, refresh, invite or enrolment token).
func (h *Auth) Routes(r *Router) {
	r.Add(fiber.MethodPost, "/v1/auth/login", Public(), h.limits.PerClient("login", loginPerClient, authWindow), h.login)
	r.Add(fiber.MethodPost, "/v1/auth/refresh", Public(), h.limits.PerClient("refresh", tokenPerClient, authWindow), h.refresh)
	r.Add(fiber.MethodPost, "/v1/auth/logout", Public(), h.limits.PerClient("refresh", tokenPerClient, authWindow), h.logout)
	r.Add(fiber.MethodPost, "/v1/auth/invite/accept", Public(), h.limits.PerClient("invite", invitePerClient, authWindow), h.acceptInvite)
	r.Add(fiber.MethodPost, "/v1/auth/mfa/totp", Public(), h.limits.PerClient("invite", invitePerClient, authWindow), h.enrol)
	r.Add(fiber.MethodPost, "/v1/auth/mfa/totp/confirm", Public(), h.limits.PerClient("invite", invitePerClient, authWindow), h.confirm)
}

type loginRequest struct {
	Email        string `json:"email"`
	Password     string `json:"password"`
	TOTPCode     string `json:"totpCode,omitempty"`
	RecoveryCode string `json:"recoveryCode,omitempty"`
}

type sessionResponse struct {
	AccessToken          string   `json:"accessToken,omitempty"`
	RefreshToken         string   `json:"refreshToken,omitempty"`
	TokenType            string   `json:"tokenType,omitempty"`
	ExpiresIn            int      `json:"expiresIn,omitempty"`
	MFAEnrolmentRequired bool     `json:"mfaEnrolmentRequired,omitempty"`
	EnrolmentToken       string   `json:"enrolmentToken,omitempty"`
	RecoveryCodes        []string `json:"recoveryCodes,omitempty"`
}

func toSession(s accounts.Session) sessionResponse {
	if s.EnrolmentToken != "" {
		return sessionResponse{MFAEnrolmentRequired: true, EnrolmentToken: s.EnrolmentToken}
	}
	return sessionResponse{AccessToken: s.AccessToken, RefreshToken: s.RefreshToken, TokenType: "Bearer",
		ExpiresIn: int(s.ExpiresIn / time.Second)}
}

func (h *Auth) login(c *fiber.Ctx) error {
	var req loginRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	s, err := h.auth.Login(c.UserContext(), accounts.Credentials{
		Email: req.Email, Password: req.Password, TOTPCode: req.TOTPCode, RecoveryCode: req.RecoveryCode,
		Client: h.limits.clientKey(c),
	})
	if err != nil {
		return err
	}
	return c.JSON(toSession(s))
}

type refreshRequest struct {
	RefreshToken string `json:"refreshToken"`
}

func (h *Auth) refresh(c *fiber.Ctx) error {
	var req refreshRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	s, err := h.auth.Refresh(c.UserContext(), req.RefreshToken)
	if err != nil {
		return err
	}
	return c.JSON(toSession(s))
}

func (h *Auth) logout(c *fiber.Ctx) error {
	var req refreshRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if err := h.auth.Logout(c.UserContext(), req.RefreshToken); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

type acceptInviteRequest struct {
	InviteToken string `json:"inviteToken"`
	Password    string `json:"password"`
}

func (h *Auth) acceptInvite(c *fiber.Ctx) error {
	var req acceptInviteRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if err := h.auth.AcceptInvite(c.UserContext(), req.InviteToken, req.Password); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

type enrolmentRequest struct {
	EnrolmentToken string `json:"enrolmentToken"`
}

type enrolmentResponse struct {
	Secret     string `json:"secret"`
	OTPAuthURI string `json:"otpauthUri"`
}

func (h *Auth) enrol(c *fiber.Ctx) error {
	var req enrolmentRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	u, err := h.auth.EnrolmentUser(c.UserContext(), req.EnrolmentToken)
	if err != nil {
		return err
	}
	e, err := h.auth.EnrolTOTP(c.UserContext(), u.ID)
	if err != nil {
		return err
	}
	return c.JSON(enrolmentResponse{Secret: e.Secret, OTPAuthURI: e.URI})
}

type confirmEnrolmentRequest struct {
	EnrolmentToken string `json:"enrolmentToken"`
	Code           string `json:"code"`
}

func (h *Auth) confirm(c *fiber.Ctx) error {
	var req confirmEnrolmentRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	codes, s, err := h.auth.FinishEnrolment(c.UserContext(), req.EnrolmentToken, req.Code)
	if err != nil {
		return err
	}
	out := toSession(s)
	out.RecoveryCodes = codes
	return c.JSON(out)
}

// clientKey is the keyed hash of c's client address, as the per-client
// limits count it: never the address itself.
func (x *Limits) clientKey(c *fiber.Ctx) string { return x.l.ClientKey(x.addrs.Of(c)) }
