// Package console is the professionals' web console: server-rendered HTML
// under /console/ for officers, supervisors, school staff and admins. It
// calls the same domain stores as the API, with the same caller in the
// context, so every scope and right is decided where the API decides it;
// it adds only a cookie session, CSRF protection and pages. One file per
// screen; layout.html is shared.
package console

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/gofiber/fiber/v2"

	"speaksafe/accounts"
	"speaksafe/alerts"
	"speaksafe/auditlog"
	"speaksafe/content"
	"speaksafe/handlers"
	"speaksafe/oncall"
	"speaksafe/referrals"
	"speaksafe/reminders"
	"speaksafe/reports"
	"speaksafe/stats"
)

// Prefix is where the console is served.
const Prefix = "/console"

// StaffAuthenticator checks an access token as the API's router does.
type StaffAuthenticator interface {
	Authenticate(ctx context.Context, bearer string) (accounts.Caller, error)
}

// Deps are the services the console calls: the very ones the API
// handlers call.
type Deps struct {
	Auth          *accounts.Auth
	Authenticator StaffAuthenticator
	Accounts      *accounts.Store
	Reports       *reports.Store
	Alerts        *alerts.Dispatcher
	OnCall        *oncall.OnCall
	Content       *content.Store
	Referrals     *referrals.Service
	Limits        *handlers.Limits
	Logger        *slog.Logger
	// Oversight: case timelines, reminders, figures and the audit log.
	History   *reports.History
	Reminders *reminders.Service
	Stats     *stats.Service
	AuditLog  *auditlog.Reader
	Now       func() time.Time
}

// Console serves the web console.
type Console struct {
	d        Deps
	pages    *pages
	md       *content.Renderer
	policies map[string]handlers.Policy
	app      *fiber.App
}

// New returns the console over d; it fails only when its embedded
// templates do not parse.
func New(d Deps) (*Console, error) {
	p, err := parsePages()
	if err != nil {
		return nil, fmt.Errorf("console: %w", err)
	}
	return &Console{d: d, pages: p, md: content.NewRenderer(), policies: map[string]handlers.Policy{}}, nil
}

// Routes registers every console route on app.
func (c *Console) Routes(app *fiber.App) {
	c.app = app
	c.assetRoutes()
	c.signInRoutes()
	c.homeRoutes()
	c.queueRoutes()
	c.caseRoutes()
	c.alertRoutes()
	c.onCallRoutes()
	c.contentRoutes()
	c.collectionRoutes()
	c.organisationRoutes()
	c.userRoutes()
	c.referralRoutes()
	c.inboxRoutes()
	c.concernRoutes()
	c.oversightRoutes()
}

// Policies returns the policy of every console route, keyed by
// handlers.RouteKey, for the test that no route goes without one.
func (c *Console) Policies() map[string]handlers.Policy {
	out := make(map[string]handlers.Policy, len(c.policies))
	for k, v := range c.policies {
		out[k] = v
	}
	return out
}

// add registers a console route behind policy p: headers, the session and
// role check, CSRF on anything but GET, then h. Like the API's router, a
// route without a policy cannot be registered.
func (c *Console) add(method, path string, p handlers.Policy, h fiber.Handler) {
	if !p.IsPublic() && p.String() == "none" {
		panic("console: route " + method + " " + path + " has no policy")
	}
	key := handlers.RouteKey(method, Prefix+path)
	if _, dup := c.policies[key]; dup {
		panic("console: route registered twice: " + key)
	}
	c.policies[key] = p
	c.app.Add(method, Prefix+path, c.headers, c.errorPages, c.guard(p), c.csrfCheck, h)
}

func handlerRoles() []accounts.Role {
	return []accounts.Role{accounts.RoleOfficer, accounts.RoleSupervisor}
}

func authorRoles() []accounts.Role {
	return []accounts.Role{accounts.RoleSchoolStaff, accounts.RoleSafeguardingLead, accounts.RoleAdmin}
}

func allRoles() []accounts.Role {
	return []accounts.Role{accounts.RoleAdmin, accounts.RoleSupervisor, accounts.RoleOfficer,
		accounts.RoleSafeguardingLead, accounts.RoleSchoolStaff, accounts.RolePartnerPractitioner, accounts.RolePartnerLead,
		accounts.RoleCommissioner}
}

func partnerRoles() []accounts.Role {
	return []accounts.Role{accounts.RolePartnerPractitioner, accounts.RolePartnerLead}
}

func schoolRoles() []accounts.Role {
	return []accounts.Role{accounts.RoleSafeguardingLead, accounts.RoleSchoolStaff}
}

func figureRoles() []accounts.Role {
	return []accounts.Role{accounts.RoleSupervisor, accounts.RoleCommissioner, accounts.RoleAdmin}
}

// now is the injected clock (the server's), for calendars and ranges.
func (c *Console) now() time.Time {
	if c.d.Now != nil {
		return c.d.Now()
	}
	return time.Now()
}
