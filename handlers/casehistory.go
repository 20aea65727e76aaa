package handlers

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"speaksafe/accounts"
	"speaksafe/errkind"
	"speaksafe/reports"
)

// CaseHistory serves a case's timeline, read from the audit chain, to the
// officers and supervisors of its force (everyone else: 404).
type CaseHistory struct {
	history *reports.History
	names   UserNames
}

// UserNames names members of staff of a force, for the timeline.
type UserNames interface {
	// UserName returns the name of user id when they belong to force
	// forceID; empty otherwise (another force's staff stay ids).
	UserName(ctx context.Context, forceID, id string) (string, error)
}

// UseNames makes the timeline name the force's staff beside their ids.
func (h *CaseHistory) UseNames(n UserNames) { h.names = n }

// NewCaseHistory returns the case history handler.
func NewCaseHistory(h *reports.History) *CaseHistory { return &CaseHistory{history: h} }

// Routes registers the case history route.
func (h *CaseHistory) Routes(r *Router) {
	r.Add(fiber.MethodGet, "/v1/cases/:id/history", Roles(caseRoles()...), h.get)
}

type historyEntryResponse struct {
	Seq        int64             `json:"seq"`
	At         time.Time         `json:"at"`
	Action     string            `json:"action"`
	Actor      string            `json:"actor"`
	ActorName  string            `json:"actorName,omitempty"`
	ObjectType string            `json:"objectType"`
	Detail     map[string]string `json:"detail"`
}

func (h *CaseHistory) get(c *fiber.Ctx) error {
	cursor, err := pageCursor(c)
	if err != nil {
		return err
	}
	var after int64
	if cursor != "" {
		if after, err = strconv.ParseInt(cursor, 10, 64); err != nil || after < 1 {
			return errkind.Invalid("cursor", "is not a cursor this server gave out for this view")
		}
	}
	limit := 0
	if c.Query("limit") != "" {
		limit = c.QueryInt("limit", -1)
		if limit < 1 || limit > reports.MaxHistoryLimit {
			return errkind.Invalid("limit", "must be 1 to 500")
		}
	}
	page, err := h.history.Case(c.UserContext(), strings.Clone(c.Params("id")), after, limit)
	if err != nil {
		return err
	}
	out := listResponse[historyEntryResponse]{Items: make([]historyEntryResponse, 0, len(page.Entries))}
	if page.Next > 0 {
		out.Next = strconv.FormatInt(page.Next, 10)
	}
	names := map[string]string{}
	for _, e := range page.Entries {
		d := e.Detail
		if d == nil {
			d = map[string]string{}
		}
		name, err := h.nameOf(c.UserContext(), names, e.Actor)
		if err != nil {
			return err
		}
		out.Items = append(out.Items, historyEntryResponse{Seq: e.Seq, At: e.At, Action: e.Action, Actor: e.Actor,
			ActorName: name, ObjectType: e.ObjectType, Detail: d})
	}
	return c.JSON(out)
}

// nameOf names actor once per page; system and reporter have no name.
func (h *CaseHistory) nameOf(ctx context.Context, seen map[string]string, actor string) (string, error) {
	caller, ok := accounts.CallerFrom(ctx)
	if h.names == nil || !ok || actor == "system" || actor == reports.ReporterActor {
		return "", nil
	}
	if n, done := seen[actor]; done {
		return n, nil
	}
	n, err := h.names.UserName(ctx, caller.ForceID, actor)
	seen[actor] = n
	return n, err
}
