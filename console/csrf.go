package console

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"

	"github.com/gofiber/fiber/v2"

	"speaksafe/accounts"
	"speaksafe/errkind"
)

// CSRF: every state-changing request carries a token (form field _csrf or
// header X-CSRF-Token) equal to HMAC(seed, user). The seed is a random
// value in an HttpOnly __Host- cookie that a page of another site can
// neither read nor set, renewed at every sign-in; binding the token to the
// user means a token seen in one account's page is worthless in another.
// SameSite=Strict already keeps the session cookies off cross-site
// requests; this is the second lock. Requests the browser marks as
// cross-site (Sec-Fetch-Site) are refused before anything else.

const (
	csrfField  = "_csrf"
	csrfHeader = "X-CSRF-Token"
	anonymous  = "-"
)

func csrfToken(seed, subject string) string {
	m := hmac.New(sha256.New, []byte(seed))
	m.Write([]byte("speaksafe-console-csrf:" + subject))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// csrfFor returns the token forms of this request must carry, setting a
// seed cookie first when there is none (the sign-in page).
func (c *Console) csrfFor(ctx *fiber.Ctx) string {
	seed := ctx.Cookies(cookieCSRF)
	if seed == "" {
		seed = newSeed()
		setCookie(ctx, cookieCSRF, seed, accounts.FamilyTTL)
		// Later reads in this request see the new seed.
		ctx.Request().Header.SetCookie(cookieCSRF, seed)
	}
	return csrfToken(seed, c.subject(ctx))
}

func (c *Console) subject(ctx *fiber.Ctx) string {
	if who, ok := ctx.Locals(localsCaller).(accounts.Caller); ok {
		return who.UserID
	}
	return anonymous
}

// csrfCheck refuses a state-changing request without the right token.
func (c *Console) csrfCheck(ctx *fiber.Ctx) error {
	switch ctx.Method() {
	case fiber.MethodGet, fiber.MethodHead:
		return ctx.Next()
	}
	if site := ctx.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" && site != "none" {
		return fmt.Errorf("console: cross-site request (%s): %w", site, errkind.Forbidden)
	}
	seed := ctx.Cookies(cookieCSRF)
	got := ctx.Get(csrfHeader)
	if got == "" {
		got = ctx.FormValue(csrfField)
	}
	want := csrfToken(seed, c.subject(ctx))
	if seed == "" || got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
		return fmt.Errorf("console: missing or wrong CSRF token: %w", errkind.Forbidden)
	}
	return ctx.Next()
}
