package handlers

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"speaksafe/database"
	"speaksafe/errkind"
)

// Problem is an RFC 9457 problem document.
type Problem struct {
	Type      string               `json:"type"`
	Title     string               `json:"title"`
	Status    int                  `json:"status"`
	Detail    string               `json:"detail,omitempty"`
	RequestID string               `json:"requestId,omitempty"`
	Errors    []errkind.FieldError `json:"errors,omitempty"`

	// Code is a stable name of the error on the child routes (see
	// reports.ErrorCodes), which the app may switch on; empty elsewhere.
	Code string `json:"code,omitempty"`
}

// Problem type URIs. Generic HTTP failures use about:blank, as RFC 9457 asks.
const (
	problemValidation  = "urn:speaksafe:problem:validation"
	problemRateLimited = "urn:speaksafe:problem:rate-limited"
	problemMediaType   = "urn:speaksafe:problem:unsupported-media-type"
)

// statusClientClosed answers a request whose client went away before the
// answer was ready (nginx's 499): nobody reads it, and it is no failure of
// ours, so it is not logged as one.
const statusClientClosed = 499

// ErrorHandler returns Fiber's one error handler: it maps every error,
// domain or HTTP, to problem+json. A 500 never carries the cause, which is
// logged with the request id instead.
func ErrorHandler(logger *slog.Logger) fiber.ErrorHandler {
	return func(c *fiber.Ctx, err error) error {
		p := toProblem(err)
		if isChildRoute(routeTemplate(c)) {
			p = childProblem(c, err, p)
		}
		p.RequestID = RequestID(c)
		switch {
		case p.Status == statusClientClosed:
			logger.DebugContext(c.UserContext(), "client went away",
				"request_id", p.RequestID, "route", routeTemplate(c), "method", c.Method())
		case p.Status == http.StatusServiceUnavailable:
			logger.WarnContext(c.UserContext(), "dependency unavailable",
				"request_id", p.RequestID, "route", routeTemplate(c), "method", c.Method(), "error", err)
		case p.Status >= 500:
			logger.ErrorContext(c.UserContext(), "request failed",
				"request_id", p.RequestID, "route", routeTemplate(c), "method", c.Method(), "error", err)
		}
		var rl *errkind.RateLimited
		if errors.As(err, &rl) {
			secs := int(rl.RetryAfter.Seconds() + 0.999)
			if secs < 1 {
				secs = 1
			}
			c.Set(fiber.HeaderRetryAfter, strconv.Itoa(secs))
		}
		if p.Status == http.StatusServiceUnavailable {
			c.Set(fiber.HeaderRetryAfter, "5")
		}
		if p.Status == http.StatusUnauthorized {
			c.Set(fiber.HeaderWWWAuthenticate, `Bearer`)
		}
		c.Set(fiber.HeaderCacheControl, "no-store")
		c.Response().Header.Del(fiber.HeaderETag)
		return writeProblem(c, p)
	}
}

func writeProblem(c *fiber.Ctx, p Problem) error {
	c.Status(p.Status)
	if err := c.JSON(p); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/problem+json")
	return nil
}

func toProblem(err error) Problem {
	var (
		verr *errkind.ValidationError
		derr *decodeError
		ferr *fiber.Error
		rl   *errkind.RateLimited
	)
	switch {
	case errors.Is(err, context.Canceled):
		return Problem{Type: "about:blank", Title: "Client Closed Request", Status: statusClientClosed,
			Detail: "The request was cancelled before it finished."}
	case errors.As(err, &derr):
		if derr.status == http.StatusUnsupportedMediaType {
			return Problem{Type: problemMediaType, Title: "Unsupported Media Type", Status: derr.status, Detail: derr.msg}
		}
		if derr.status == http.StatusRequestEntityTooLarge {
			return generic(derr.status, derr.msg)
		}
		return Problem{Type: problemValidation, Title: "Invalid request body", Status: http.StatusBadRequest,
			Detail: derr.msg, Errors: derr.fields}
	case errors.As(err, &verr):
		return Problem{Type: problemValidation, Title: "Invalid input", Status: http.StatusBadRequest,
			Detail: "Some fields are missing or invalid.", Errors: verr.Fields}
	case errors.As(err, &rl):
		detail := rl.Detail
		if detail == "" {
			detail = "Too many attempts. Please wait and try again."
		}
		return Problem{Type: problemRateLimited, Title: "Too Many Requests", Status: http.StatusTooManyRequests, Detail: detail}
	case errors.Is(err, errkind.Unauthorized):
		return generic(http.StatusUnauthorized, "Sign in again: the credentials are missing, wrong or expired.")
	case errors.Is(err, errkind.Forbidden):
		return generic(http.StatusForbidden, "Your role cannot do this.")
	case errors.Is(err, errkind.NotFound):
		return generic(http.StatusNotFound, "Nothing was found here.")
	case errors.Is(err, errkind.PreconditionFailed):
		return generic(http.StatusPreconditionFailed, "It changed since you read it: reload and try again.")
	case errors.Is(err, errkind.Conflict):
		return generic(http.StatusConflict, conflictDetail(err))
	case errors.Is(err, errkind.Unavailable) || database.IsUnavailable(err):
		return generic(http.StatusServiceUnavailable, "The service is temporarily unavailable. Please try again shortly.")
	case errors.As(err, &ferr):
		return fiberProblem(ferr)
	}
	return generic(http.StatusInternalServerError, "Something went wrong on our side. Please try again.")
}

// conflictExplainer lets a domain give a client-safe explanation of a conflict.
type conflictExplainer interface{ ConflictDetail() string }

func conflictDetail(err error) string {
	var ce conflictExplainer
	if errors.As(err, &ce) {
		return ce.ConflictDetail()
	}
	return "The request conflicts with the current state."
}

func fiberProblem(e *fiber.Error) Problem {
	switch e.Code {
	case http.StatusNotFound:
		return generic(e.Code, "No such route.")
	case http.StatusMethodNotAllowed:
		return generic(e.Code, "This route does not accept that method.")
	case http.StatusRequestEntityTooLarge:
		return generic(e.Code, "The request body is too large.")
	case http.StatusBadRequest:
		return generic(e.Code, "The request is malformed.")
	}
	if e.Code >= 400 && e.Code < 500 {
		return generic(e.Code, "")
	}
	return generic(http.StatusInternalServerError, "Something went wrong on our side. Please try again.")
}

func generic(status int, detail string) Problem {
	return Problem{Type: "about:blank", Title: http.StatusText(status), Status: status, Detail: detail}
}
