// Package handlers is SpeakSafe's HTTP layer: it decodes requests, calls the
// domain packages and encodes their answers. It holds no business rules.
package handlers

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/gofiber/fiber/v2"

	"speaksafe/accounts"
	"speaksafe/errkind"
)

// Authenticator turns a staff bearer token into the caller it names. It
// fails for expired, forged or revoked tokens and for disabled users.
type Authenticator interface {
	Authenticate(ctx context.Context, bearer string) (accounts.Caller, error)
}

// ReporterAuthenticator turns a reporter session token into a context
// scoped to that session's one case.
type ReporterAuthenticator interface {
	AuthenticateReporter(ctx context.Context, bearer string) (context.Context, error)
}

type policyKind int

const (
	policyPublic policyKind = iota + 1
	policyReporter
	policyRoles
)

// Policy says who may call a route. Every route declares one; there is no
// default, so a route added without thought cannot be reached.
type Policy struct {
	kind  policyKind
	roles []accounts.Role
}

// Public routes need no credentials (content, report intake, health).
func Public() Policy { return Policy{kind: policyPublic} }

// Reporter routes need a reporter session token, scoped to one case.
func Reporter() Policy { return Policy{kind: policyReporter} }

// Roles routes need a staff access token whose role is one of roles.
func Roles(roles ...accounts.Role) Policy {
	if len(roles) == 0 {
		panic("handlers: Roles needs at least one role")
	}
	return Policy{kind: policyRoles, roles: roles}
}

// String describes the policy, for tests and route listings.
func (p Policy) String() string {
	switch p.kind {
	case policyPublic:
		return "public"
	case policyReporter:
		return "reporter"
	case policyRoles:
		parts := make([]string, len(p.roles))
		for i, r := range p.roles {
			parts[i] = string(r)
		}
		return "roles:" + strings.Join(parts, ",")
	}
	return "none"
}

// Allows reports whether role may call a route with this policy.
func (p Policy) Allows(role accounts.Role) bool {
	return p.kind == policyRoles && slices.Contains(p.roles, role)
}

// IsPublic reports whether the policy needs no credentials.
func (p Policy) IsPublic() bool { return p.kind == policyPublic }

// IsReporter reports whether the policy needs a reporter session.
func (p Policy) IsReporter() bool { return p.kind == policyReporter }

// Router registers routes on the Fiber app together with their policies.
type Router struct {
	app      *fiber.App
	staff    Authenticator
	reporter ReporterAuthenticator
	policies map[string]Policy
	queries  QueryParams
}

// NewRouter returns a router over app. Until authenticators are set, every
// non-public route answers 401.
func NewRouter(app *fiber.App) *Router {
	return &Router{app: app, policies: map[string]Policy{}}
}

// UseStaffAuthenticator sets how staff bearer tokens are checked.
func (r *Router) UseStaffAuthenticator(a Authenticator) { r.staff = a }

// UseReporterAuthenticator sets how reporter session tokens are checked.
func (r *Router) UseReporterAuthenticator(a ReporterAuthenticator) { r.reporter = a }

// Add registers handlers for method and path behind policy p. Handlers run in
// order, so rate limiters come before the final handler.
func (r *Router) Add(method, path string, p Policy, handlers ...fiber.Handler) {
	if p.kind == 0 {
		panic("handlers: route " + method + " " + path + " has no policy")
	}
	key := RouteKey(method, path)
	if _, dup := r.policies[key]; dup {
		panic("handlers: route registered twice: " + key)
	}
	r.policies[key] = p
	chain := append([]fiber.Handler{r.guard(key, p)}, handlers...)
	r.app.Add(method, path, chain...)
}

// Policies returns the policy of every route added, keyed by RouteKey.
func (r *Router) Policies() map[string]Policy {
	out := make(map[string]Policy, len(r.policies))
	for k, v := range r.policies {
		out[k] = v
	}
	return out
}

// RouteKey names a route as "METHOD /path/:param".
func RouteKey(method, path string) string { return method + " " + path }

func (r *Router) guard(key string, p Policy) fiber.Handler {
	return func(c *fiber.Ctx) error {
		ctx, err := r.admit(c, p)
		if err != nil {
			return err
		}
		c.SetUserContext(ctx)
		if err := r.checkQuery(c, key); err != nil {
			return err
		}
		return c.Next()
	}
}

// admit checks the request against policy p and returns its context with
// what p establishes: nothing for a public route, the reporter's case, or
// the authenticated staff caller.
func (r *Router) admit(c *fiber.Ctx, p Policy) (context.Context, error) {
	if p.kind == policyPublic {
		return c.UserContext(), nil
	}
	if p.kind != policyReporter && p.kind != policyRoles {
		return nil, errkind.Forbidden
	}
	token, err := bearer(c)
	if err != nil {
		return nil, err
	}
	if p.kind == policyReporter {
		if r.reporter == nil {
			return nil, fmt.Errorf("handlers: no reporter authenticator: %w", errkind.Unauthorized)
		}
		ctx, err := r.reporter.AuthenticateReporter(c.UserContext(), token)
		if err != nil {
			return nil, authFailure(err)
		}
		return ctx, nil
	}
	if r.staff == nil {
		return nil, fmt.Errorf("handlers: no staff authenticator: %w", errkind.Unauthorized)
	}
	caller, err := r.staff.Authenticate(c.UserContext(), token)
	if err != nil {
		return nil, authFailure(err)
	}
	if !p.Allows(caller.Role) && caller.Role.FiguresOnly() {
		return nil, fmt.Errorf("handlers: role %s: %w", caller.Role, errkind.NotFound)
	}
	if !p.Allows(caller.Role) {
		return nil, fmt.Errorf("handlers: role %s: %w", caller.Role, errkind.Forbidden)
	}
	return accounts.WithCaller(c.UserContext(), caller), nil
}

// authFailure keeps "bad token" apart from everything else: a credential
// that is bad, expired or revoked is a plain 401; a store that is down (503),
// a client that went away (499) or a fault of ours (500) keeps its own
// answer, so that a failure on our side never tells the client to sign in
// again.
func authFailure(err error) error {
	return fmt.Errorf("handlers: authenticate: %w", err)
}

func bearer(c *fiber.Ctx) (string, error) {
	h := c.Get(fiber.HeaderAuthorization)
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		return "", fmt.Errorf("handlers: missing bearer token: %w", errkind.Unauthorized)
	}
	// The token outlives nothing of the request, but copy it anyway: Fiber
	// reuses the buffer behind c.Get after the handler returns.
	return strings.Clone(strings.TrimSpace(token)), nil
}
