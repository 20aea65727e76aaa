// Package content is SpeakSafe's awareness library: items young people read
// (by age band, topic and language), the authoring workflow through which
// school staff write them and a safeguarding lead publishes them, school
// collections shared by join code, and aggregate view counts.
package content

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"speaksafe/errkind"
)

// State is where an item's working copy is in the authoring workflow. The
// live (published) revision is tracked separately, so that editing a
// published item does not take it off the app.
type State string

// Workflow states.
const (
	StateDraft     State = "draft"
	StateInReview  State = "in_review"
	StatePublished State = "published"
	StateWithdrawn State = "withdrawn"
)

// Locales the app is written in.
const (
	LocaleEnglish = "en"
	LocaleWelsh   = "cy"
)

// Locales lists every supported locale.
var Locales = []string{LocaleEnglish, LocaleWelsh}

// AgeBands lists the age bands content is written for.
var AgeBands = []string{"8-10", "11-13", "14-17"}

// Topics is the fixed list of topics an item may carry. A fixed list keeps
// filters meaningful and lets the app show a translated label for each.
var Topics = []string{
	"grooming",
	"gifts-and-secrets",
	"relationship-grooming",
	"images-and-sextortion",
	"gaming-and-chat",
	"criminal-exploitation",
	"healthy-relationships",
	"trusted-adults",
	"reporting",
}

// Field limits. They keep documents small and the app's screens readable.
const (
	MaxSlug    = 80
	MaxTitle   = 120
	MaxSummary = 300
	MaxBody    = 20000
	MaxComment = 1000
)

var slugPattern = regexp.MustCompile(`^[a-z0-9]+(?:-[a-z0-9]+)*$`)

// Draft is what an author writes: the editable fields of an item.
type Draft struct {
	Slug      string   `bson:"slug"`
	Locale    string   `bson:"locale"`
	Title     string   `bson:"title"`
	Summary   string   `bson:"summary"`
	Body      string   `bson:"body"` // Markdown
	AgeBands  []string `bson:"ageBands"`
	Topics    []string `bson:"topics"`
	Helplines []string `bson:"helplines"`
}

// Item is the working copy of one piece of content (one slug in one locale)
// together with its workflow state.
type Item struct {
	ID     string `bson:"_id"`
	Draft  `bson:",inline"`
	State  State  `bson:"state"`
	OrgID  string `bson:"orgId"` // "" for the SpeakSafe library
	Author string `bson:"author"`
	// Editors are the users who changed the working copy since it was last
	// published: none of them may publish it (four eyes).
	Editors       []string `bson:"editors"`
	ReviewComment string   `bson:"reviewComment,omitempty"`
	// Version counts every change to the working copy; it is the ETag that
	// If-Match is checked against.
	Version int64 `bson:"version"`
	// Revision is the number of the last published revision (0: never).
	Revision int `bson:"revision"`
	// Live says whether Revision is currently shown in the app.
	Live bool `bson:"live"`
	// Promoted: a national reviewer (admin) made this school item visible
	// beyond the school's collection (scope.go).
	Promoted  bool      `bson:"promoted,omitempty"`
	UpdatedBy string    `bson:"updatedBy"`
	UpdatedAt time.Time `bson:"updatedAt"`
	CreatedAt time.Time `bson:"createdAt"`
}

// Validate checks every field and reports all problems at once.
func (d Draft) Validate() error {
	v := &errkind.ValidationError{}
	checkText(v, "slug", d.Slug, MaxSlug, true)
	v.Check(d.Slug != "" && !slugPattern.MatchString(d.Slug), "slug", "use lower-case letters, digits and single hyphens")
	v.Check(!slices.Contains(Locales, d.Locale), "locale", "must be one of "+strings.Join(Locales, ", "))
	checkText(v, "title", d.Title, MaxTitle, true)
	checkText(v, "summary", d.Summary, MaxSummary, true)
	checkText(v, "body", d.Body, MaxBody, true)
	checkSet(v, "ageBands", d.AgeBands, AgeBands, true)
	checkSet(v, "topics", d.Topics, Topics, true)
	checkSet(v, "helplines", d.Helplines, HelplineIDs(), false)
	if utf8.ValidString(d.Body) {
		for _, bad := range disallowedLinks(d.Body) {
			v.Add("body", fmt.Sprintf("link %q must start with https: or tel:", truncate(bad, 60)))
		}
	}
	return v.Err()
}

func checkText(v *errkind.ValidationError, field, s string, max int, required bool) {
	switch {
	case !utf8.ValidString(s):
		v.Add(field, "must be valid UTF-8")
	case required && strings.TrimSpace(s) == "":
		v.Add(field, "is required")
	case utf8.RuneCountInString(s) > max:
		v.Add(field, fmt.Sprintf("must be at most %d characters", max))
	case strings.ContainsRune(s, 0):
		v.Add(field, "must not contain NUL characters")
	}
}

func checkSet(v *errkind.ValidationError, field string, got, allowed []string, required bool) {
	if required && len(got) == 0 {
		v.Add(field, "choose at least one")
		return
	}
	seen := map[string]bool{}
	for _, g := range got {
		if !slices.Contains(allowed, g) {
			v.Add(field, fmt.Sprintf("%q is not one of %s", truncate(g, 40), strings.Join(allowed, ", ")))
			continue
		}
		if seen[g] {
			v.Add(field, fmt.Sprintf("%q is listed twice", g))
		}
		seen[g] = true
	}
}

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "…"
}

// Summary is what a listing shows of one live item.
type Summary struct {
	ItemID         string    `bson:"itemId"`
	Slug           string    `bson:"slug"`
	Locale         string    `bson:"locale"`
	Title          string    `bson:"title"`
	Summary        string    `bson:"summary"`
	AgeBands       []string  `bson:"ageBands"`
	Topics         []string  `bson:"topics"`
	Helplines      []string  `bson:"helplines"`
	ReadingMinutes int       `bson:"readingMinutes"`
	Revision       int       `bson:"revision"`
	OrgID          string    `bson:"orgId"`
	UpdatedAt      time.Time `bson:"updatedAt"`
	// Promoted: a national reviewer made this school's item national.
	Promoted bool `bson:"promoted,omitempty"`
}

// Revision is one published, immutable version of an item, rendered once
// at publication. Its _id is "<itemID>:<revision>".
type Revision struct {
	ID          string `bson:"_id"`
	Summary     `bson:",inline"`
	Body        string `bson:"body"` // Markdown as written
	HTML        string `bson:"html"` // sanitised
	Text        string `bson:"text"` // plain text
	PublishedBy string `bson:"publishedBy"`
	Author      string `bson:"author"`
	// ItemVersion is the working-copy version that was published; a retried
	// publish recognises its own revision by it.
	ItemVersion int64 `bson:"itemVersion"`
}

func revisionID(itemID string, rev int) string { return fmt.Sprintf("%s:%d", itemID, rev) }
