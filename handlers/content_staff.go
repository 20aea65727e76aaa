package handlers

import (
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"speaksafe/accounts"
	"speaksafe/content"
	"speaksafe/errkind"
)

// ContentStaff serves the authoring workflow: drafts, review, publication
// and withdrawal. Every answer is no-store (the default header).
type ContentStaff struct {
	store *content.Store
}

// NewContentStaff returns the staff content handlers.
func NewContentStaff(store *content.Store) *ContentStaff { return &ContentStaff{store: store} }

// Routes registers the staff content routes. The store scopes every item
// to the caller's organisation and enforces four eyes on publication.
func (h *ContentStaff) Routes(r *Router) {
	authors := Roles(accounts.RoleSchoolStaff, accounts.RoleSafeguardingLead, accounts.RoleAdmin)
	reviewers := Roles(accounts.RoleSafeguardingLead, accounts.RoleAdmin)
	r.Add(fiber.MethodGet, "/v1/staff/content", authors, h.list)
	r.Add(fiber.MethodPost, "/v1/staff/content", authors, h.create)
	r.Add(fiber.MethodGet, "/v1/staff/content/:id", authors, h.get)
	r.Add(fiber.MethodPut, "/v1/staff/content/:id", authors, h.update)
	r.Add(fiber.MethodPost, "/v1/staff/content/:id/submit", authors, h.submit)
	r.Add(fiber.MethodPost, "/v1/staff/content/:id/publish", reviewers, h.publish)
	r.Add(fiber.MethodPost, "/v1/staff/content/:id/send-back", reviewers, h.sendBack)
	r.Add(fiber.MethodPost, "/v1/staff/content/:id/withdraw", reviewers, h.withdraw)
	r.Add(fiber.MethodPost, "/v1/staff/content/:id/promote", Roles(accounts.RoleAdmin), h.promote)
}

type draftRequest struct {
	Slug      string   `json:"slug"`
	Locale    string   `json:"locale"`
	Title     string   `json:"title"`
	Summary   string   `json:"summary"`
	Body      string   `json:"body"`
	AgeBands  []string `json:"ageBands"`
	Topics    []string `json:"topics"`
	Helplines []string `json:"helplines"`
}

func (r draftRequest) draft() content.Draft {
	return content.Draft{Slug: r.Slug, Locale: r.Locale, Title: r.Title, Summary: r.Summary, Body: r.Body,
		AgeBands: r.AgeBands, Topics: r.Topics, Helplines: nonNil(r.Helplines)}
}

type sendBackRequest struct {
	Comment string `json:"comment"`
}

type staffItem struct {
	ID            string    `json:"id"`
	Slug          string    `json:"slug"`
	Locale        string    `json:"locale"`
	Title         string    `json:"title"`
	Summary       string    `json:"summary"`
	Body          string    `json:"body"`
	AgeBands      []string  `json:"ageBands"`
	Topics        []string  `json:"topics"`
	Helplines     []string  `json:"helplines"` // helpline ids
	State         string    `json:"state"`     // draft, in_review, published or withdrawn
	Version       int64     `json:"version"`   // counts changes to the working copy; the ETag
	Revision      int       `json:"revision"`  // the last published revision; 0: never
	Live          bool      `json:"live"`      // whether Revision is shown in the app
	Author        string    `json:"author"`
	ReviewComment string    `json:"reviewComment,omitempty"`
	Promoted      bool      `json:"promoted,omitempty"`
	UpdatedBy     string    `json:"updatedBy"`
	UpdatedAt     time.Time `json:"updatedAt"`
	CreatedAt     time.Time `json:"createdAt"`
}

func toStaffItem(it content.Item) staffItem {
	return staffItem{ID: it.ID, Slug: it.Slug, Locale: it.Locale, Title: it.Title, Summary: it.Summary, Body: it.Body,
		AgeBands: nonNil(it.AgeBands), Topics: nonNil(it.Topics), Helplines: nonNil(it.Helplines), State: string(it.State),
		Version: it.Version, Revision: it.Revision, Live: it.Live, Author: it.Author, ReviewComment: it.ReviewComment, Promoted: it.Promoted,
		UpdatedBy: it.UpdatedBy, UpdatedAt: it.UpdatedAt, CreatedAt: it.CreatedAt}
}

// versionETag is the ETag of a staff object at version v.
func versionETag(v int64) string { return `"v` + strconv.FormatInt(v, 10) + `"` }

// ifMatch reads If-Match: 0 when absent or "*", the version it names, or a
// PreconditionFailed error for a value that cannot match any version.
func ifMatch(c *fiber.Ctx) (int64, error) {
	h := strings.TrimSpace(c.Get(fiber.HeaderIfMatch))
	if h == "" || h == "*" {
		return 0, nil
	}
	h = strings.TrimPrefix(h, "W/")
	if strings.HasPrefix(h, `"v`) && strings.HasSuffix(h, `"`) {
		if v, err := strconv.ParseInt(h[2:len(h)-1], 10, 64); err == nil && v > 0 {
			return v, nil
		}
	}
	return 0, errkind.PreconditionFailed
}

func (h *ContentStaff) answer(c *fiber.Ctx, status int, it content.Item) error {
	c.Set(fiber.HeaderETag, versionETag(it.Version))
	return c.Status(status).JSON(toStaffItem(it))
}

func (h *ContentStaff) list(c *fiber.Ctx) error {
	items, err := h.store.ListOwn(c.UserContext(), content.State(c.Query("state")))
	if err != nil {
		return err
	}
	out := listResponse[staffItem]{Items: make([]staffItem, len(items))}
	for i, it := range items {
		out.Items[i] = toStaffItem(it)
	}
	return c.JSON(out)
}

func (h *ContentStaff) create(c *fiber.Ctx) error {
	var req draftRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	it, err := h.store.Create(c.UserContext(), req.draft())
	if err != nil {
		return err
	}
	return h.answer(c, fiber.StatusCreated, it)
}

func (h *ContentStaff) get(c *fiber.Ctx) error {
	it, err := h.store.Get(c.UserContext(), strings.Clone(c.Params("id")))
	if err != nil {
		return err
	}
	return h.answer(c, fiber.StatusOK, it)
}

func (h *ContentStaff) update(c *fiber.Ctx) error {
	v, err := ifMatch(c)
	if err != nil {
		return err
	}
	var req draftRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	it, err := h.store.Update(c.UserContext(), strings.Clone(c.Params("id")), v, req.draft())
	if err != nil {
		return err
	}
	return h.answer(c, fiber.StatusOK, it)
}

// step runs one workflow transition that takes no body.
func (h *ContentStaff) step(c *fiber.Ctx, f func(ctx *fiber.Ctx, id string, v int64) (content.Item, error)) error {
	v, err := ifMatch(c)
	if err != nil {
		return err
	}
	it, err := f(c, strings.Clone(c.Params("id")), v)
	if err != nil {
		return err
	}
	return h.answer(c, fiber.StatusOK, it)
}

func (h *ContentStaff) submit(c *fiber.Ctx) error {
	return h.step(c, func(c *fiber.Ctx, id string, v int64) (content.Item, error) {
		return h.store.Submit(c.UserContext(), id, v)
	})
}

func (h *ContentStaff) publish(c *fiber.Ctx) error {
	return h.step(c, func(c *fiber.Ctx, id string, v int64) (content.Item, error) {
		return h.store.Publish(c.UserContext(), id, v)
	})
}

func (h *ContentStaff) withdraw(c *fiber.Ctx) error {
	return h.step(c, func(c *fiber.Ctx, id string, v int64) (content.Item, error) {
		return h.store.Withdraw(c.UserContext(), id, v)
	})
}

func (h *ContentStaff) sendBack(c *fiber.Ctx) error {
	var req sendBackRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	return h.step(c, func(c *fiber.Ctx, id string, v int64) (content.Item, error) {
		return h.store.SendBack(c.UserContext(), id, v, req.Comment)
	})
}

// promote makes a school's live item national (admins, the national
// reviewers); the item is no longer seen only through the school's collection.
func (h *ContentStaff) promote(c *fiber.Ctx) error {
	it, err := h.store.Promote(c.UserContext(), strings.Clone(c.Params("id")))
	if err != nil {
		return err
	}
	return h.answer(c, fiber.StatusOK, it)
}
