package console

import (
	"errors"
	"net/http"

	"github.com/gofiber/fiber/v2"

	"speaksafe/errkind"
	"speaksafe/handlers"
)

// csp allows scripts, styles and images from the console itself only: no
// inline script or style, no other origin, forms posting only here.
const csp = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// headers sets the console's Content-Security-Policy. Nothing a console
// page shows may be stored by the browser (Cache-Control: no-store, set
// for every answer by handlers.SecurityHeaders and kept here); only the
// embedded assets opt out.
func (c *Console) headers(ctx *fiber.Ctx) error {
	ctx.Set(fiber.HeaderContentSecurityPolicy, csp)
	ctx.Set(fiber.HeaderCacheControl, "no-store")
	ctx.Set("Pragma", "no-cache")
	return ctx.Next()
}

// errorPages renders a failed request as a page in the console's words:
// the API's status and text for the same error, a sign-in link for 401.
func (c *Console) errorPages(ctx *fiber.Ctx) error {
	err := ctx.Next()
	if err == nil {
		return nil
	}
	p := handlers.ProblemFor(err)
	if p.Status >= 500 && p.Status != http.StatusServiceUnavailable {
		c.d.Logger.ErrorContext(ctx.UserContext(), "console request failed", "route", ctx.Route().Path,
			"method", ctx.Method(), "request_id", handlers.RequestID(ctx), "error", err)
	}
	msg := p.Detail
	if errors.Is(err, errkind.Forbidden) && ctx.Method() != fiber.MethodGet {
		msg = "This form has expired or did not come from this console. Reload the page and try again."
	}
	return c.render(ctx.Status(p.Status), "error", "Problem", errorView{Status: p.Status, Title: p.Title,
		Message: msg, Fields: p.Errors, RequestID: handlers.RequestID(ctx)})
}

type errorView struct {
	Status    int
	Title     string
	Message   string
	Fields    []errkind.FieldError
	RequestID string
}
