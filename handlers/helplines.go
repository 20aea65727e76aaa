package handlers

import (
	"github.com/gofiber/fiber/v2"

	"speaksafe/content"
	"speaksafe/errkind"
)

// Helplines serves the list of help numbers and links.
type Helplines struct{}

// NewHelplines returns the helpline handlers.
func NewHelplines() *Helplines { return &Helplines{} }

// Routes registers the helpline route.
func (h *Helplines) Routes(r *Router) {
	r.Add(fiber.MethodGet, "/v1/helplines", Public(), h.list)
}

type helplineResponse struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Phone     string `json:"phone,omitempty"`
	Tel       string `json:"tel,omitempty"`
	URL       string `json:"url,omitempty"`
	When      string `json:"when"`
	Emergency bool   `json:"emergency"`
	ForAdults bool   `json:"forAdults"`
}

type helplineList struct {
	Helplines []helplineResponse `json:"helplines"`
}

func toHelpline(h content.Helpline) helplineResponse {
	return helplineResponse{ID: h.ID, Name: h.Name, Phone: h.Phone, Tel: h.Tel, URL: h.URL, When: h.When,
		Emergency: h.Emergency, ForAdults: h.ForAdults}
}

// helplinesFor returns the helplines named by ids, in locale, in the fixed
// order (emergency first).
func helplinesFor(locale string, ids []string) []helplineResponse {
	out := []helplineResponse{}
	for _, h := range content.Helplines(locale) {
		for _, id := range ids {
			if h.ID == id {
				out = append(out, toHelpline(h))
			}
		}
	}
	return out
}

func (h *Helplines) list(c *fiber.Ctx) error {
	locale := c.Query("locale", content.LocaleEnglish)
	if locale != content.LocaleEnglish && locale != content.LocaleWelsh {
		return errkind.Invalid("locale", "must be en or cy")
	}
	all := content.Helplines(locale)
	out := helplineList{Helplines: make([]helplineResponse, len(all))}
	for i, x := range all {
		out.Helplines[i] = toHelpline(x)
	}
	// The list is compiled in, so its ETag only changes with a release.
	etag := etagOf("h", locale, fmtHelplines(all))
	if notModified(c, etag, "public, max-age=3600") {
		return nil
	}
	setCacheable(c, etag, "public, max-age=3600")
	return c.JSON(out)
}

func fmtHelplines(hs []content.Helpline) string {
	s := ""
	for _, h := range hs {
		s += h.ID + h.Name + h.Phone + h.URL + h.When + "|"
	}
	return s
}
