package handlers

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"speaksafe/accounts"
	"speaksafe/errkind"
	"speaksafe/stats"
)

// defaultWeeks is how far back figures go when no range is given.
const defaultWeeks = 12

// Stats serves aggregate figures to supervisors (their force),
// commissioners (the forces their office covers) and admins (any force).
type Stats struct {
	svc  *stats.Service
	orgs *accounts.Store
	now  func() time.Time
}

// NewStats returns the figures handlers.
func NewStats(svc *stats.Service, orgs *accounts.Store, now func() time.Time) *Stats {
	return &Stats{svc: svc, orgs: orgs, now: now}
}

// Routes registers the routes.
func (h *Stats) Routes(r *Router) {
	readers := Roles(accounts.RoleSupervisor, accounts.RoleCommissioner, accounts.RoleAdmin)
	r.Add(fiber.MethodGet, "/v1/stats", readers, h.figures)
	r.Add(fiber.MethodGet, "/v1/stats/charts/:chart", readers, h.chart)
}

func (h *Stats) figures(c *fiber.Ctx) error {
	f, err := h.compute(c)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	if wantsCSV(c) {
		var b bytes.Buffer
		if err := f.WriteCSV(&b); err != nil {
			return err
		}
		c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
		c.Set(fiber.HeaderContentDisposition, `attachment; filename="speaksafe-figures.csv"`)
		return c.Send(b.Bytes())
	}
	return c.JSON(toFigures(f))
}

func (h *Stats) chart(c *fiber.Ctx) error {
	name, svg := strings.CutSuffix(c.Params("chart"), ".svg")
	if !svg || !slices.Contains(stats.Charts, name) {
		return fmt.Errorf("handlers: chart %q: %w", strings.Clone(name), errkind.NotFound)
	}
	f, err := h.compute(c)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	if err := f.Render(name, &b); err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set(fiber.HeaderContentType, "image/svg+xml")
	// The SVG is static; should anyone open it as a page, nothing runs.
	c.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	return c.Send(b.Bytes())
}

// wantsCSV reports whether the client asked for CSV, by ?format=csv or
// an Accept header that prefers text/csv.
func wantsCSV(c *fiber.Ctx) bool {
	if c.Query("format") == "csv" {
		return true
	}
	return c.Query("format") == "" && c.Accepts(fiber.MIMEApplicationJSON, "text/csv") == "text/csv"
}

// compute reads the range and force filter and computes the figures of the
// forces the caller may see.
func (h *Stats) compute(c *fiber.Ctx) (stats.Figures, error) {
	q, err := h.query(c)
	if err != nil {
		return stats.Figures{}, err
	}
	if q.Forces, err = h.forces(c); err != nil {
		return stats.Figures{}, err
	}
	return h.svc.Compute(c.UserContext(), q)
}

func (h *Stats) query(c *fiber.Ctx) (stats.Query, error) {
	if f := c.Query("format"); f != "" && f != "json" && f != "csv" {
		return stats.Query{}, errkind.Invalid("format", "must be json or csv")
	}
	v := &errkind.ValidationError{}
	to, toErr := optionalTime(c.Query("to"), h.now())
	from, fromErr := optionalTime(c.Query("from"), to.AddDate(0, 0, -7*defaultWeeks))
	v.Check(toErr != nil, "to", "must be an RFC 3339 time, e.g. 2026-11-30T00:00:00Z")
	v.Check(fromErr != nil, "from", "must be an RFC 3339 time, e.g. 2026-09-01T00:00:00Z")
	if err := v.Err(); err != nil {
		return stats.Query{}, err
	}
	q := stats.Query{From: from, To: to}
	return q, q.Validate()
}

func optionalTime(s string, def time.Time) (time.Time, error) {
	if s == "" {
		return def, nil
	}
	return time.Parse(time.RFC3339, s)
}

// forces returns the forces the caller may read figures of, narrowed to
// ?forceId when given. A force outside the caller's is "not found".
func (h *Stats) forces(c *fiber.Ctx) ([]string, error) {
	return FigureForces(c.UserContext(), h.orgs, strings.TrimSpace(c.Query("forceId")))
}

// FigureForces returns the forces the caller in ctx may read figures of —
// a supervisor their force, a commissioner the forces their office covers,
// an admin every force — narrowed to want when it is not empty. A force
// outside the caller's is "not found". The API and the console both ask
// it, so that they cannot disagree.
func FigureForces(ctx context.Context, orgs *accounts.Store, want string) ([]string, error) {
	caller, _ := accounts.CallerFrom(ctx)
	var mine []string
	switch caller.Role {
	case accounts.RoleAdmin:
		all, err := orgs.Forces(ctx)
		if err != nil {
			return nil, err
		}
		for _, f := range all {
			mine = append(mine, f.ID)
		}
	case accounts.RoleCommissioner:
		org, err := orgs.GetOrganisation(ctx, caller.OrgID)
		if err != nil && !errors.Is(err, errkind.NotFound) {
			return nil, err
		}
		mine = org.CoveredForces()
	default:
		if caller.OrgKind == accounts.OrgForce && caller.ForceID != "" {
			mine = []string{caller.ForceID}
		}
	}
	if want == "" {
		slices.Sort(mine)
		return mine, nil
	}
	if !slices.Contains(mine, want) {
		return nil, fmt.Errorf("handlers: figures of force %q: %w", want, errkind.NotFound)
	}
	return []string{strings.Clone(want)}, nil
}
