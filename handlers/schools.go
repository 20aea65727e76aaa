package handlers

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"speaksafe/accounts"
	"speaksafe/content"
	"speaksafe/errkind"
)

// Join-code lookups per client. A code carries about 45 bits, so even this
// allowance leaves guessing hopeless, while a whole class behind one school
// network address can still open its collection.
const (
	joinCodeLookups = 60
	joinCodeWindow  = time.Minute
)

// Schools serves school collections: to pupils by join code, and to staff
// who choose the items and rotate the code.
type Schools struct {
	store  *content.Store
	limits *Limits
	dir    ForceDirectory
}

// NewSchools returns the school collection handlers; dir tells which force
// a school belongs to.
func NewSchools(store *content.Store, limits *Limits, dir ForceDirectory) *Schools {
	return &Schools{store: store, limits: limits, dir: dir}
}

// Routes registers the school collection routes.
func (h *Schools) Routes(r *Router) {
	r.Add(fiber.MethodGet, "/v1/schools/:code/collection", Public(),
		h.limits.PerClient("school_join_code", joinCodeLookups, joinCodeWindow), h.shared)
	r.Add(fiber.MethodGet, "/v1/schools/:code/collection/:slug", Public(),
		h.limits.PerClient("school_join_code", joinCodeLookups, joinCodeWindow), h.sharedItem)
	school := Roles(accounts.RoleSchoolStaff, accounts.RoleSafeguardingLead)
	r.Add(fiber.MethodGet, "/v1/staff/collection", school, h.mine)
	r.Add(fiber.MethodPut, "/v1/staff/collection", school, h.set)
	r.Add(fiber.MethodPost, "/v1/staff/collection/join-code", school, h.rotate)
	r.Add(fiber.MethodGet, "/v1/staff/content-stats", Roles(accounts.RoleSchoolStaff, accounts.RoleSafeguardingLead, accounts.RoleAdmin), h.stats)
}

type sharedCollection struct {
	Items []contentSummary `json:"items"`
	// Force is the police force whose area the school is in: the app
	// preselects it for a report.
	Force *forceResponse `json:"force,omitempty"`
}

type staffCollection struct {
	JoinCode  string           `json:"joinCode"`
	Version   int64            `json:"version"`
	Items     []contentSummary `json:"items"`
	UpdatedAt time.Time        `json:"updatedAt"`
}

type collectionRequest struct {
	Items []string `json:"items"`
}

type dayCount struct {
	Day   string `json:"day"`
	Count *int64 `json:"count"`
}

type viewStats struct {
	Kind   string     `json:"kind"`
	ID     string     `json:"id"`
	Slug   string     `json:"slug,omitempty"`
	Locale string     `json:"locale,omitempty"`
	Title  string     `json:"title,omitempty"`
	Total  *int64     `json:"total"`
	Days   []dayCount `json:"days"`
}

type statsResponse struct {
	From         string      `json:"from"`
	To           string      `json:"to"`
	MinimumShown int         `json:"minimumShown"`
	Collection   *viewStats  `json:"collection,omitempty"`
	Items        []viewStats `json:"items"`
	// CollectionItems are reads of each collection item through the
	// school's collection (library items included).
	CollectionItems []viewStats `json:"collectionItems,omitempty"`
}

func (h *Schools) shared(c *fiber.Ctx) error {
	col, err := h.store.CollectionByCode(c.UserContext(), strings.Clone(c.Params("code")))
	if err != nil {
		return err
	}
	etag := etagOf("s", col.SchoolID, strconv.FormatInt(col.Version, 10), strconv.FormatInt(col.Seq, 10))
	// private: the answer depends on a code that acts as a shared secret,
	// so shared caches must not keep it.
	if notModified(c, etag, "private, max-age=60") {
		return nil
	}
	force, err := h.forceOf(c.UserContext(), col.SchoolID)
	if err != nil {
		return err
	}
	h.store.CountView(content.ViewCollection, col.SchoolID)
	setCacheable(c, etag, "private, max-age=60")
	return c.JSON(sharedCollection{Items: toSummaries(col.Items), Force: force})
}

// forceOf returns the force of school schoolID, or nil when the school or
// its force is gone (the collection is still worth showing). A school's
// force is fixed when it is created, so the collection's ETag still holds.
func (h *Schools) forceOf(ctx context.Context, schoolID string) (*forceResponse, error) {
	school, err := h.dir.GetOrganisation(ctx, schoolID)
	if errors.Is(err, errkind.NotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	f, err := h.dir.GetOrganisation(ctx, school.ScopeForceID())
	if errors.Is(err, errkind.NotFound) || (err == nil && f.Kind != accounts.OrgForce) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	out := toForce(f)
	return &out, nil
}

func (h *Schools) answer(c *fiber.Ctx, col content.Collection) error {
	shared, err := h.store.CollectionByCode(c.UserContext(), col.JoinCode)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderETag, versionETag(col.Version))
	return c.JSON(staffCollection{JoinCode: content.FormatJoinCode(col.JoinCode), Version: col.Version,
		Items: toSummaries(shared.Items), UpdatedAt: col.UpdatedAt})
}

func (h *Schools) mine(c *fiber.Ctx) error {
	col, err := h.store.MyCollection(c.UserContext())
	if err != nil {
		return err
	}
	return h.answer(c, col)
}

func (h *Schools) set(c *fiber.Ctx) error {
	v, err := ifMatch(c)
	if err != nil {
		return err
	}
	var req collectionRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	col, err := h.store.SetCollection(c.UserContext(), v, nonNil(req.Items))
	if err != nil {
		return err
	}
	return h.answer(c, col)
}

func (h *Schools) rotate(c *fiber.Ctx) error {
	col, err := h.store.RotateJoinCode(c.UserContext())
	if err != nil {
		return err
	}
	return h.answer(c, col)
}

func (h *Schools) stats(c *fiber.Ctx) error {
	days := 30
	if raw := c.Query("days"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil {
			return errkind.Invalid("days", "must be a whole number")
		}
		days = n
	}
	st, err := h.store.Stats(c.UserContext(), days)
	if err != nil {
		return err
	}
	out := statsResponse{From: st.From.Format(time.DateOnly), To: st.To.Format(time.DateOnly),
		MinimumShown: content.MinShownCount, Items: make([]viewStats, 0, len(st.Items))}
	if st.Collection != nil {
		vs := toViewStats(*st.Collection)
		out.Collection = &vs
	}
	for _, it := range st.Items {
		vs := toViewStats(it.ViewStats)
		vs.Slug, vs.Locale, vs.Title = it.Slug, it.Locale, it.Title
		out.Items = append(out.Items, vs)
	}
	if st.CollectionItems != nil {
		out.CollectionItems = make([]viewStats, 0, len(st.CollectionItems))
	}
	for _, it := range st.CollectionItems {
		vs := toViewStats(it.ViewStats)
		vs.Slug, vs.Locale, vs.Title = it.Slug, it.Locale, it.Title
		out.CollectionItems = append(out.CollectionItems, vs)
	}
	return c.JSON(out)
}

func toViewStats(v content.ViewStats) viewStats {
	out := viewStats{Kind: v.Kind, ID: v.ID, Total: v.Total, Days: make([]dayCount, len(v.Days))}
	for i, d := range v.Days {
		out.Days[i] = dayCount{Day: d.Day, Count: d.Count}
	}
	return out
}

// sharedItem reads one item of a school's collection by its join code: the
// only way to a school's own item that was not promoted. The read counts
// for the school's collection.
func (h *Schools) sharedItem(c *fiber.Ctx) error {
	locale := c.Query("locale", content.LocaleEnglish)
	if locale != content.LocaleEnglish && locale != content.LocaleWelsh {
		return errkind.Invalid("locale", "must be en or cy")
	}
	rev, err := h.store.CollectionItem(c.UserContext(), strings.Clone(c.Params("code")), strings.Clone(c.Params("slug")), locale)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "private, max-age=60")
	return c.JSON(contentItem{contentSummary: toSummary(rev.Summary), HTML: rev.HTML, Text: rev.Text,
		Helplines: helplinesFor(rev.Locale, rev.Helplines)})
}
