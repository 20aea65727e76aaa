package console

import (
	"errors"
	"html/template"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"speaksafe/accounts"
	"speaksafe/errkind"
	"speaksafe/handlers"
)

// Sign-in attempts per client per minute, as on POST /v1/auth/login.
const (
	signInPerClient = 20
	signInWindow    = time.Minute
	cookieStepUp    = "__Host-ss-stepup"
)

func (c *Console) signInRoutes() {
	c.add(fiber.MethodGet, "/signin", handlers.Public(), c.signInPage)
	c.add(fiber.MethodPost, "/signin", handlers.Public(), c.signIn)
	c.add(fiber.MethodPost, "/signin/enrol", handlers.Public(), c.finishEnrolment)
	c.add(fiber.MethodPost, "/signout", handlers.Roles(allRoles()...), c.signOut)
}

type signInView struct {
	Email   string
	Message string
	AskCode bool
}

func (c *Console) signInPage(ctx *fiber.Ctx) error {
	return c.render(ctx, "signin", "Sign in", signInView{})
}

// signIn checks the form exactly as POST /v1/auth/login checks its body
// (same throttles, same uniform failure), then keeps the tokens in cookies.
func (c *Console) signIn(ctx *fiber.Ctx) error {
	if err := c.d.Limits.Check(ctx, "login", signInPerClient, signInWindow); err != nil {
		return err
	}
	email := strings.Clone(ctx.FormValue("email"))
	s, err := c.d.Auth.Login(ctx.UserContext(), accounts.Credentials{Email: email,
		Password: strings.Clone(ctx.FormValue("password")), TOTPCode: strings.TrimSpace(ctx.FormValue("totpCode")),
		RecoveryCode: strings.TrimSpace(ctx.FormValue("recoveryCode")), Client: c.d.Limits.Client(ctx)})
	var verr *errkind.ValidationError
	switch {
	case errors.As(err, &verr):
		return c.render(ctx.Status(fiber.StatusUnauthorized), "signin", "Sign in",
			signInView{Email: email, AskCode: true, Message: "Enter the 6-digit code from your authenticator app, or a recovery code."})
	case errors.Is(err, errkind.Unauthorized):
		return c.render(ctx.Status(fiber.StatusUnauthorized), "signin", "Sign in",
			signInView{Email: email, Message: "The email, password or code is not right."})
	case err != nil:
		return err
	}
	if s.EnrolmentToken != "" {
		return c.startEnrolment(ctx, s.EnrolmentToken)
	}
	c.startSession(ctx, s)
	return redirect(ctx, "/")
}

type enrolView struct {
	Secret string
	QR     template.URL
	Action string
	Codes  []string
}

// startEnrolment shows a role that must use MFA its new TOTP secret; the
// enrolment token waits in an HttpOnly cookie for the confirming code.
func (c *Console) startEnrolment(ctx *fiber.Ctx, token string) error {
	u, err := c.d.Auth.EnrolmentUser(ctx.UserContext(), token)
	if err != nil {
		return err
	}
	e, err := c.d.Auth.EnrolTOTP(ctx.UserContext(), u.ID)
	if err != nil {
		return err
	}
	setCookie(ctx, cookieEnrol, token, 10*time.Minute)
	return c.showEnrolment(ctx, e, "/console/signin/enrol")
}

func (c *Console) showEnrolment(ctx *fiber.Ctx, e accounts.Enrolment, action string) error {
	img, err := qrDataURI(e.URI)
	if err != nil {
		return err
	}
	return c.render(ctx, "enrol", "Set up two-step sign-in", enrolView{Secret: e.Secret, QR: img, Action: action})
}

func (c *Console) finishEnrolment(ctx *fiber.Ctx) error {
	codes, s, err := c.d.Auth.FinishEnrolment(ctx.UserContext(), strings.Clone(ctx.Cookies(cookieEnrol)),
		strings.TrimSpace(ctx.FormValue("code")))
	if err != nil {
		return err
	}
	c.startSession(ctx, s)
	who, err := c.d.Authenticator.Authenticate(ctx.UserContext(), s.AccessToken)
	if err != nil {
		return err
	}
	c.remember(ctx, who)
	return c.render(ctx, "enrol", "Your recovery codes", enrolView{Codes: codes})
}

// signOut ends this session as POST /v1/auth/logout does: its refresh
// family is revoked and live access tokens die.
func (c *Console) signOut(ctx *fiber.Ctx) error {
	if tok := ctx.Cookies(cookieRefresh); tok != "" {
		if err := c.d.Auth.Logout(ctx.UserContext(), strings.Clone(tok)); err != nil {
			return err
		}
	}
	c.endSession(ctx)
	return redirect(ctx, "/signin")
}
