package console

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"speaksafe/accounts"
	"speaksafe/handlers"
)

// homeRoutes are every signed-in user's first screen and their own
// account: signing out everywhere and enrolling MFA.
func (c *Console) homeRoutes() {
	all := handlers.Roles(allRoles()...) // each acts on the caller's own account only
	c.add(fiber.MethodGet, "/", all, c.home)
	c.add(fiber.MethodGet, "/account", all, c.account)
	c.add(fiber.MethodPost, "/account/signout-everywhere", all, c.signOutEverywhere)
	c.add(fiber.MethodPost, "/account/mfa", all, c.enrolFromAccount)
	c.add(fiber.MethodPost, "/account/mfa/confirm", all, c.confirmFromAccount)
}

// home sends each role to its first screen.
func (c *Console) home(ctx *fiber.Ctx) error {
	who, _ := accounts.CallerFrom(ctx.UserContext())
	switch who.Role {
	case accounts.RoleOfficer, accounts.RoleSupervisor:
		return redirect(ctx, "/cases")
	case accounts.RoleAdmin:
		return redirect(ctx, "/organisations")
	case accounts.RolePartnerPractitioner, accounts.RolePartnerLead:
		return redirect(ctx, "/referrals")
	case accounts.RoleCommissioner:
		return redirect(ctx, "/figures")
	}
	return redirect(ctx, "/content")
}

func (c *Console) account(ctx *fiber.Ctx) error {
	return c.render(ctx, "account", "My account", nil)
}

// signOutEverywhere ends every session of the user: this console, other
// browsers and the phone app.
func (c *Console) signOutEverywhere(ctx *fiber.Ctx) error {
	who, _ := accounts.CallerFrom(ctx.UserContext())
	if err := c.d.Auth.LogoutEverywhere(ctx.UserContext(), who.UserID); err != nil {
		return err
	}
	c.endSession(ctx)
	return redirect(ctx, "/signin")
}

// enrolFromAccount starts TOTP enrolment after a step-up, as
// POST /v1/me/step-up then POST /v1/me/mfa/totp do.
func (c *Console) enrolFromAccount(ctx *fiber.Ctx) error {
	who, _ := accounts.CallerFrom(ctx.UserContext())
	tok, err := c.d.Auth.StepUp(ctx.UserContext(), who.UserID, accounts.Credentials{
		Password: strings.Clone(ctx.FormValue("password")), Client: c.d.Limits.Client(ctx)})
	if err != nil {
		return err
	}
	e, err := c.d.Auth.EnrolTOTP(ctx.UserContext(), who.UserID)
	if err != nil {
		return err
	}
	setCookie(ctx, cookieStepUp, tok, accounts.StepUpTTL)
	return c.showEnrolment(ctx, e, "/console/account/mfa/confirm")
}

func (c *Console) confirmFromAccount(ctx *fiber.Ctx) error {
	who, _ := accounts.CallerFrom(ctx.UserContext())
	if err := c.d.Auth.RequireStepUp(ctx.UserContext(), who.UserID, strings.Clone(ctx.Cookies(cookieStepUp))); err != nil {
		return err
	}
	codes, err := c.d.Auth.ConfirmTOTP(ctx.UserContext(), who.UserID, strings.TrimSpace(ctx.FormValue("code")))
	if err != nil {
		return err
	}
	clearCookie(ctx, cookieStepUp)
	return c.render(ctx, "enrol", "Your recovery codes", enrolView{Codes: codes})
}
