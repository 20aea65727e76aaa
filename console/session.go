package console

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"speaksafe/accounts"
	"speaksafe/errkind"
	"speaksafe/handlers"
)

// Cookie names. The __Host- prefix makes the browser refuse them unless
// they are Secure, for the whole host (Path=/) and set by the host itself,
// so a sibling subdomain cannot plant one.
const (
	cookieAccess  = "__Host-ss-access"
	cookieRefresh = "__Host-ss-refresh"
	cookieCSRF    = "__Host-ss-csrf"
	cookieEnrol   = "__Host-ss-enrol"
)

const localsCaller = "console.caller"

// setCookie sets a Secure, HttpOnly, SameSite=Strict cookie. Browsers
// accept Secure cookies from http://127.0.0.1 and http://localhost, so
// local runs and tests work without TLS.
func setCookie(c *fiber.Ctx, name, value string, ttl time.Duration) {
	c.Cookie(&fiber.Cookie{Name: name, Value: value, Path: "/", MaxAge: int(ttl.Seconds()),
		Secure: true, HTTPOnly: true, SameSite: fiber.CookieSameSiteStrictMode})
}

func clearCookie(c *fiber.Ctx, name string) {
	c.Cookie(&fiber.Cookie{Name: name, Value: "", Path: "/", MaxAge: -1,
		Secure: true, HTTPOnly: true, SameSite: fiber.CookieSameSiteStrictMode})
}

// startSession stores a new session's tokens: the access token lives as
// long as an API access token, the refresh token as long as an API refresh
// token, and a fresh CSRF seed replaces any from before sign-in.
func (c *Console) startSession(ctx *fiber.Ctx, s accounts.Session) {
	setCookie(ctx, cookieAccess, s.AccessToken, s.ExpiresIn)
	setCookie(ctx, cookieRefresh, s.RefreshToken, accounts.RefreshTTL)
	seed := newSeed()
	setCookie(ctx, cookieCSRF, seed, accounts.FamilyTTL)
	// Pages rendered in this same response carry tokens of the new seed.
	ctx.Request().Header.SetCookie(cookieCSRF, seed)
	clearCookie(ctx, cookieEnrol)
}

func (c *Console) endSession(ctx *fiber.Ctx) {
	for _, n := range []string{cookieAccess, cookieRefresh, cookieCSRF, cookieEnrol} {
		clearCookie(ctx, n)
	}
}

// caller authenticates the session: the access token as the API checks a
// bearer token (token version, refresh family, disabled user); when it
// has expired, the refresh token is spent exactly as POST /v1/auth/refresh
// spends it (rotation, replay revokes the family). Unauthorized when
// neither works.
func (c *Console) caller(ctx *fiber.Ctx) (accounts.Caller, error) {
	if v, ok := ctx.Locals(localsCaller).(accounts.Caller); ok {
		return v, nil
	}
	uctx := ctx.UserContext()
	if tok := ctx.Cookies(cookieAccess); tok != "" {
		who, err := c.d.Authenticator.Authenticate(uctx, strings.Clone(tok))
		if err == nil {
			return c.remember(ctx, who), nil
		}
		if !errors.Is(err, errkind.Unauthorized) {
			return accounts.Caller{}, err
		}
	}
	refresh := ctx.Cookies(cookieRefresh)
	if refresh == "" {
		return accounts.Caller{}, fmt.Errorf("console: no session: %w", errkind.Unauthorized)
	}
	s, err := c.d.Auth.Refresh(uctx, strings.Clone(refresh))
	if err != nil {
		return accounts.Caller{}, err
	}
	setCookie(ctx, cookieAccess, s.AccessToken, s.ExpiresIn)
	setCookie(ctx, cookieRefresh, s.RefreshToken, accounts.RefreshTTL)
	who, err := c.d.Authenticator.Authenticate(uctx, s.AccessToken)
	if err != nil {
		return accounts.Caller{}, err
	}
	return c.remember(ctx, who), nil
}

func (c *Console) remember(ctx *fiber.Ctx, who accounts.Caller) accounts.Caller {
	ctx.Locals(localsCaller, who)
	ctx.SetUserContext(accounts.WithCaller(ctx.UserContext(), who))
	return who
}

// guard lets a route's policy decide: public routes pass, role routes need
// a session whose role the policy allows. Without a session a page
// redirects to sign-in; a role the route does not serve sees 403.
func (c *Console) guard(p handlers.Policy) fiber.Handler {
	return func(ctx *fiber.Ctx) error {
		if p.IsPublic() {
			return ctx.Next()
		}
		who, err := c.caller(ctx)
		if errors.Is(err, errkind.Unauthorized) {
			c.endSession(ctx)
			if ctx.Method() == fiber.MethodGet {
				return ctx.Redirect(Prefix+"/signin", fiber.StatusSeeOther)
			}
			return err
		}
		if err != nil {
			return err
		}
		if !p.Allows(who.Role) && slices.Contains(partnerRoles(), who.Role) {
			// As in the API, a partner agency learns nothing of the
			// force's or a school's screens: not even that they exist.
			return fmt.Errorf("console: role %s: %w", who.Role, errkind.NotFound)
		}
		if !p.Allows(who.Role) {
			return fmt.Errorf("console: role %s: %w", who.Role, errkind.Forbidden)
		}
		return ctx.Next()
	}
}

func newSeed() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
