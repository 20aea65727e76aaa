package handlers

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"speaksafe/accounts"
	"speaksafe/errkind"
	"speaksafe/reports"
)

// ForceNames names police forces for handle matches in other forces.
type ForceNames interface {
	// ForceName returns the name of force id; an error wrapping
	// errkind.NotFound when there is none.
	ForceName(ctx context.Context, id string) (string, error)
}

// UseForceNames sets how other forces are named in handle matches;
// without it they are listed by id.
func (h *Cases) UseForceNames(n ForceNames) { h.names = n }

type relatedCaseResponse struct {
	ID        string    `json:"id"`
	Reference string    `json:"reference"`
	Status    string    `json:"status"`
	CreatedAt time.Time `json:"createdAt"`
}

type otherForcesResponse struct {
	Cases  int      `json:"cases"`
	Forces []string `json:"forces"`
}

type handleMatchesResponse struct {
	Items       []relatedCaseResponse `json:"items"`
	OtherForces otherForcesResponse   `json:"otherForces"`
	Patterns    []string              `json:"patterns"`
}

func (h *Cases) toMatches(ctx context.Context, m reports.HandleMatches) (*handleMatchesResponse, error) {
	out := &handleMatchesResponse{Items: make([]relatedCaseResponse, 0, len(m.InForce)),
		OtherForces: otherForcesResponse{Cases: m.OtherForceCases, Forces: []string{}}, Patterns: m.Patterns}
	for _, rc := range m.InForce {
		out.Items = append(out.Items, relatedCaseResponse{ID: rc.ID, Reference: rc.Reference, Status: string(rc.Status), CreatedAt: rc.CreatedAt})
	}
	for _, id := range m.OtherForces {
		name := id
		if h.names != nil {
			n, err := h.names.ForceName(ctx, id)
			if err != nil && !errors.Is(err, errkind.NotFound) {
				return nil, err
			}
			if n != "" {
				name = n
			}
		}
		out.OtherForces.Forces = append(out.OtherForces.Forces, name)
	}
	return out, nil
}

func (h *Cases) related(c *fiber.Ctx, id string) (*handleMatchesResponse, error) {
	m, err := h.store.RelatedCases(c.UserContext(), id)
	if err != nil {
		return nil, err
	}
	return h.toMatches(c.UserContext(), m)
}

// byHandle answers GET /v1/cases?handle=…&platform=…: the force's cases
// naming the handle, and how many other forces' cases do.
func (h *Cases) byHandle(c *fiber.Ctx) error {
	for _, p := range []string{"status", "category", "cursor"} {
		if c.Query(p) != "" {
			return errkind.Invalid(p, "does not combine with handle")
		}
	}
	limit := 0
	if c.Query("limit") != "" {
		if limit = c.QueryInt("limit", -1); limit < 1 {
			return errkind.Invalid("limit", "must be 1 to 100")
		}
	}
	m, err := h.store.CasesByHandle(c.UserContext(), strings.Clone(c.Query("platform")), strings.Clone(c.Query("handle")), limit)
	if err != nil {
		return err
	}
	rel, err := h.toMatches(c.UserContext(), m)
	if err != nil {
		return err
	}
	out := caseListResponse{Items: make([]caseSummaryResponse, 0, len(m.InForce)), OtherForces: &rel.OtherForces, Patterns: rel.Patterns}
	for _, s := range m.InForce {
		out.Items = append(out.Items, toCaseSummary(s))
	}
	return c.JSON(out)
}

// PatternSignals lists the pattern signals of a supervisor's force: a
// handle named in several reports of the force, or in several forces.
type PatternSignals struct {
	store *reports.Store
}

// NewPatternSignals returns the pattern signal handler.
func NewPatternSignals(store *reports.Store) *PatternSignals { return &PatternSignals{store: store} }

// Routes registers the pattern signal list.
func (h *PatternSignals) Routes(r *Router) {
	r.Add(fiber.MethodGet, "/v1/pattern-signals", Roles(accounts.RoleSupervisor), h.list)
}

type patternSignalResponse struct {
	ID      string                `json:"id"`
	Kind    string                `json:"kind"`
	At      time.Time             `json:"at"`
	Reports int                   `json:"reports"`
	Forces  int                   `json:"forces"`
	Cases   []caseSummaryResponse `json:"cases"`
}

func (h *PatternSignals) list(c *fiber.Ctx) error {
	sigs, err := h.store.PatternSignals(c.UserContext())
	if err != nil {
		return err
	}
	out := struct {
		Items []patternSignalResponse `json:"items"`
	}{Items: make([]patternSignalResponse, 0, len(sigs))}
	for _, s := range sigs {
		r := patternSignalResponse{ID: s.ID, Kind: s.Kind, At: s.At, Reports: s.Reports, Forces: s.Forces,
			Cases: make([]caseSummaryResponse, 0, len(s.Cases))}
		for _, cs := range s.Cases {
			r.Cases = append(r.Cases, toCaseSummary(cs))
		}
		out.Items = append(out.Items, r)
	}
	return c.JSON(out)
}
