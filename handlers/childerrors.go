package handlers

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/gofiber/fiber/v2"

	"speaksafe/errkind"
	"speaksafe/reports"
)

// localeKey holds the locale a child route's request was answered in.
const localeKey = "childLocale"

// Child routes: the routes a young person calls. Their errors carry a
// stable code and a child-friendly text in the child's language.
const (
	routeReports         = "/v1/reports"
	routeReporterSession = "/v1/reports/session"
	routeReporterCase    = "/v1/reporter/case"
	routeReporterMessage = "/v1/reporter/case/messages"
)

func isChildRoute(route string) bool {
	switch route {
	case routeReports, routeReporterSession, routeReporterCase, routeReporterMessage:
		return true
	}
	return false
}

// childLocale resolves the locale of a child's request — explicit (a body
// field), then the `locale` query parameter, then Accept-Language, else
// English — records it for the error handler and says it in
// Content-Language. The header's raw value is never kept.
func childLocale(c *fiber.Ctx, explicit string) reports.Locale {
	l := reports.NegotiateLocale(c.Get(fiber.HeaderAcceptLanguage), explicit, c.Query("locale"))
	c.Locals(localeKey, l)
	c.Set(fiber.HeaderContentLanguage, string(l))
	return l
}

// errorLocale is the locale of a failed child request: the one its handler
// resolved, or else resolved now, reading a `locale` field of a JSON body
// when there is one (the body may have failed before it was decoded).
func errorLocale(c *fiber.Ctx) reports.Locale {
	if l, ok := c.Locals(localeKey).(reports.Locale); ok {
		return l
	}
	var b struct {
		Locale string `json:"locale"`
	}
	if body := c.Body(); len(body) > 0 && len(body) <= 1<<16 {
		_ = json.Unmarshal(body, &b)
	}
	return childLocale(c, b.Locale)
}

// childProblem rewrites p, the problem for err on a child route, with a
// stable code and a child-friendly detail in the child's language. A wrong
// or missing receipt or an ended session never tells a child to "sign in".
func childProblem(c *fiber.Ctx, err error, p Problem) Problem {
	l := errorLocale(c)
	p.Code = childCode(routeTemplate(c), err, p.Status)
	p.Detail = reports.ErrorText(p.Code, l)
	if len(p.Errors) > 0 {
		fields := make([]errkind.FieldError, len(p.Errors))
		for i, f := range p.Errors {
			fields[i] = errkind.FieldError{Field: f.Field, Message: reports.FieldText(f.Message, l)}
		}
		p.Errors = fields
	}
	return p
}

func childCode(route string, err error, status int) string {
	var verr *errkind.ValidationError
	switch {
	case errors.As(err, &verr):
		return reports.CodeInvalidInput
	case status == http.StatusBadRequest:
		return reports.CodeBadRequest
	case status == http.StatusUnauthorized && route == routeReporterSession:
		return reports.CodeReceiptNotRecognised
	case status == http.StatusUnauthorized:
		return reports.CodeSessionEnded
	case status == http.StatusNotFound:
		return reports.CodeNotFound
	case status == http.StatusConflict && route == routeReporterMessage:
		return reports.CodeCaseClosed
	case status == http.StatusConflict:
		return reports.CodeReportConflict
	case status == http.StatusRequestEntityTooLarge:
		return reports.CodeTooLarge
	case status == http.StatusUnsupportedMediaType:
		return reports.CodeNoUploads
	case status == http.StatusTooManyRequests:
		return reports.CodeTooManyAttempts
	case status == http.StatusServiceUnavailable:
		return reports.CodeUnavailable
	case status >= 500:
		return reports.CodeServerError
	}
	return reports.CodeRequestRefused
}
