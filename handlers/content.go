package handlers

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"speaksafe/content"
	"speaksafe/errkind"
)

// publicMaxAge is how long apps and caches may reuse public content before
// revalidating; short, so that a withdrawal reaches phones quickly.
const publicMaxAge = "public, max-age=60"

// Content serves the public awareness library to the app.
type Content struct {
	store *content.Store
	lists listCache
}

// NewContent returns the public content handlers.
func NewContent(store *content.Store) *Content { return &Content{store: store} }

// Routes registers the public content routes. The changes feed comes
// before /:slug so that "changes" is never read as a slug.
func (h *Content) Routes(r *Router) {
	r.Add(fiber.MethodGet, "/v1/content", Public(), h.list)
	r.Add(fiber.MethodGet, "/v1/content/changes", Public(), h.changes)
	r.Add(fiber.MethodGet, "/v1/content/:slug", Public(), h.get)
}

type contentSummary struct {
	ID             string    `json:"id"`
	Slug           string    `json:"slug"`
	Locale         string    `json:"locale"`
	Title          string    `json:"title"`
	Summary        string    `json:"summary"`
	AgeBands       []string  `json:"ageBands"`
	Topics         []string  `json:"topics"`
	ReadingMinutes int       `json:"readingMinutes"`
	Revision       int       `json:"revision"`
	UpdatedAt      time.Time `json:"updatedAt"`
}

func toSummary(s content.Summary) contentSummary {
	return contentSummary{ID: s.ItemID, Slug: s.Slug, Locale: s.Locale, Title: s.Title, Summary: s.Summary,
		AgeBands: nonNil(s.AgeBands), Topics: nonNil(s.Topics), ReadingMinutes: s.ReadingMinutes,
		Revision: s.Revision, UpdatedAt: s.UpdatedAt}
}

func toSummaries(in []content.Summary) []contentSummary {
	out := make([]contentSummary, len(in))
	for i, s := range in {
		out[i] = toSummary(s)
	}
	return out
}

func nonNil(xs []string) []string {
	if xs == nil {
		return []string{}
	}
	return xs
}

type contentItem struct {
	contentSummary
	HTML      string             `json:"html"`
	Text      string             `json:"text"`
	Helplines []helplineResponse `json:"helplines"`
}

type contentChange struct {
	Kind     string          `json:"kind"`
	ID       string          `json:"id"`
	Slug     string          `json:"slug"`
	Locale   string          `json:"locale"`
	Revision int             `json:"revision"`
	At       time.Time       `json:"at"`
	Item     *contentSummary `json:"item,omitempty"`
}

type contentChanges struct {
	Changes []contentChange `json:"changes"`
	Next    string          `json:"next"`
	More    bool            `json:"more"`
}

// list answers from the encoded page of the request's query at the
// catalogue's feed position, built once per position (the feed changes
// rarely), so that a repeated list or its revalidation costs a lookup.
// Store.Seq catches up with other instances' changes within its refresh
// bound, and this instance's own changes move it at once.
func (h *Content) list(c *fiber.Ctx) error {
	query := c.Request().URI().QueryString()
	page := h.lists.get(h.store.Seq(c.UserContext()), query)
	if page == nil {
		var err error
		if page, err = h.buildList(c, string(query)); err != nil {
			return err
		}
	}
	hdr := &c.Response().Header
	hdr.SetCanonical(headerETag, page.etag)
	hdr.SetCanonical(headerCacheControl, publicMaxAgeBytes)
	hdr.SetCanonical(headerVary, varyAcceptEncoding)
	if inm := c.Request().Header.Peek(fiber.HeaderIfNoneMatch); len(inm) > 0 && matchesETag(inm, page.etag) {
		c.Status(fiber.StatusNotModified)
		return nil
	}
	hdr.SetContentType(fiber.MIMEApplicationJSON)
	return c.Send(page.body)
}

// Canonical header keys and values of list answers, as bytes so that a
// cached answer is sent without normalising or copying them.
var (
	headerETag         = []byte("Etag")
	headerCacheControl = []byte("Cache-Control")
	headerVary         = []byte("Vary")
	publicMaxAgeBytes  = []byte(publicMaxAge)
	varyAcceptEncoding = []byte("Accept-Encoding")
)

// buildList validates the request's query, reads its page and encodes it,
// keeping the result for the page's feed position. query must own its bytes.
func (h *Content) buildList(c *fiber.Ctx, query string) (*encodedList, error) {
	q := content.ListQuery{
		AgeBand: strings.Clone(c.Query("ageBand")), Topic: strings.Clone(c.Query("topic")),
		Locale: strings.Clone(c.Query("locale")), Q: strings.Clone(c.Query("q")),
		Cursor: strings.Clone(c.Query("cursor")),
	}
	if raw := c.Query("limit"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > content.MaxLimit {
			return nil, errkind.Invalid("limit", "must be 1 to 50")
		}
		q.Limit = n
	}
	if err := q.Validate(); err != nil {
		return nil, err
	}
	page, err := h.store.List(c.UserContext(), q)
	if err != nil {
		return nil, err
	}
	body, err := c.App().Config().JSONEncoder(listResponse[contentSummary]{Items: toSummaries(page.Items), Next: page.NextCursor})
	if err != nil {
		return nil, fmt.Errorf("handlers: encode content list: %w", err)
	}
	etag := etagOf("l", strconv.FormatInt(page.Seq, 10), q.AgeBand, q.Topic, q.Locale, q.Q, q.Cursor, strconv.Itoa(q.Limit))
	// Clipped, so that an append to one answer's body can never write into
	// the array every answer shares.
	e := &encodedList{etag: []byte(etag), body: slices.Clip(body)}
	h.lists.put(page.Seq, query, e)
	return e, nil
}

func (h *Content) changes(c *fiber.Ctx) error {
	since := strings.Clone(c.Query("since"))
	page, err := h.store.Changes(c.UserContext(), since)
	if err != nil {
		return err
	}
	out := contentChanges{Changes: make([]contentChange, 0, len(page.Changes)), Next: page.Next, More: page.More}
	for _, ch := range page.Changes {
		cc := contentChange{Kind: ch.Kind, ID: ch.ItemID, Slug: ch.Slug, Locale: ch.Locale, Revision: ch.Revision, At: ch.At}
		if ch.Kind == content.ChangePublished {
			s := toSummary(ch.Summary)
			cc.Item = &s
		}
		out.Changes = append(out.Changes, cc)
	}
	etag := etagOf("c", since, page.Next, strconv.FormatBool(page.More))
	if notModified(c, etag, publicMaxAge) {
		return nil
	}
	setCacheable(c, etag, publicMaxAge)
	return c.JSON(out)
}

func (h *Content) get(c *fiber.Ctx) error {
	locale := c.Query("locale", content.LocaleEnglish)
	if locale != content.LocaleEnglish && locale != content.LocaleWelsh {
		return errkind.Invalid("locale", "must be en or cy")
	}
	slug := strings.Clone(c.Params("slug"))
	rev, err := h.store.Published(c.UserContext(), slug, locale)
	if err != nil {
		return err
	}
	etag := etagOf("i", rev.ID)
	if notModified(c, etag, publicMaxAge) {
		return nil
	}
	h.store.CountView(content.ViewItem, rev.ItemID)
	out := contentItem{contentSummary: toSummary(rev.Summary), HTML: rev.HTML, Text: rev.Text,
		Helplines: helplinesFor(rev.Locale, rev.Helplines)}
	setCacheable(c, etag, publicMaxAge)
	return c.JSON(out)
}

// etagOf is a strong ETag over parts: equal parts, equal representation.
func etagOf(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		_, _ = fmt.Fprintf(h, "%d:%s;", len(p), p)
	}
	return `"` + hex.EncodeToString(h.Sum(nil)[:12]) + `"`
}

// notModified answers 304 when If-None-Match names etag.
func notModified(c *fiber.Ctx, etag, cacheControl string) bool {
	if !matchesETag(c.Request().Header.Peek(fiber.HeaderIfNoneMatch), []byte(etag)) {
		return false
	}
	setCacheable(c, etag, cacheControl)
	c.Status(fiber.StatusNotModified)
	return true
}

func setCacheable(c *fiber.Ctx, etag, cacheControl string) {
	c.Set(fiber.HeaderETag, etag)
	c.Set(fiber.HeaderCacheControl, cacheControl)
	c.Set(fiber.HeaderVary, "Accept-Encoding")
}
