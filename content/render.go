package content

import (
	"bytes"
	"net/url"
	"strings"
	"unicode"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/text"
)

// Renderer turns Markdown into sanitised HTML and plain text. Goldmark's
// default renderer already drops raw HTML; bluemonday then allows only a
// small set of elements and https:/tel: links, so that nothing a member of
// staff types can run script in the app's web view.
type Renderer struct {
	md     goldmark.Markdown
	policy *bluemonday.Policy
}

// NewRenderer returns a Renderer. It is safe for concurrent use.
func NewRenderer() *Renderer {
	p := bluemonday.NewPolicy()
	p.AllowElements("p", "br", "hr", "h2", "h3", "h4", "ul", "ol", "li",
		"strong", "em", "blockquote", "code", "pre")
	p.AllowAttrs("href").OnElements("a")
	p.AllowURLSchemes("https", "tel")
	p.AllowRelativeURLs(false)
	p.RequireParseableURLs(true)
	p.RequireNoFollowOnLinks(true)
	p.RequireNoReferrerOnLinks(true)
	return &Renderer{md: goldmark.New(), policy: p}
}

// HTML renders body to sanitised HTML.
func (r *Renderer) HTML(body string) string {
	var buf bytes.Buffer
	if err := r.md.Convert([]byte(body), &buf); err != nil {
		// Conversion into a bytes.Buffer cannot fail; render nothing rather
		// than unsanitised text if it ever does.
		return ""
	}
	return r.policy.Sanitize(buf.String())
}

// Text renders body to plain text: one paragraph or list item per line,
// blank lines between blocks, no Markdown syntax and no HTML.
func (r *Renderer) Text(body string) string {
	src := []byte(body)
	doc := r.md.Parser().Parse(text.NewReader(src))
	var blocks []string
	var cur strings.Builder
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		switch n := n.(type) {
		case *ast.Text:
			if entering {
				cur.Write(n.Value(src))
				if n.SoftLineBreak() || n.HardLineBreak() {
					cur.WriteByte(' ')
				}
			}
		case *ast.String:
			if entering {
				cur.Write(n.Value)
			}
		case *ast.CodeSpan, *ast.Emphasis, *ast.Link, *ast.AutoLink:
			if a, ok := n.(*ast.AutoLink); ok && entering {
				cur.Write(a.Label(src))
			}
		case *ast.RawHTML, *ast.HTMLBlock:
			return ast.WalkSkipChildren, nil
		default:
			if n.Type() == ast.TypeBlock && !entering && n.FirstChild() != nil && n.FirstChild().Type() == ast.TypeInline {
				if s := strings.TrimSpace(cur.String()); s != "" {
					if _, li := n.Parent().(*ast.ListItem); li {
						s = "• " + s
					}
					blocks = append(blocks, s)
				}
				cur.Reset()
			}
		}
		return ast.WalkContinue, nil
	})
	return strings.Join(blocks, "\n\n")
}

// ReadingMinutes estimates how long the text takes to read at a pace that
// suits younger readers (150 words a minute), at least one minute.
func ReadingMinutes(plain string) int {
	words := len(strings.FieldsFunc(plain, func(r rune) bool { return unicode.IsSpace(r) }))
	m := (words + 149) / 150
	return max(m, 1)
}

// disallowedLinks returns the destinations of links and images in body
// whose scheme is not https or tel, so that Validate can tell the author
// instead of the sanitiser silently dropping them.
func disallowedLinks(body string) []string {
	src := []byte(body)
	doc := goldmark.New().Parser().Parse(text.NewReader(src))
	var bad []string
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		var dest string
		switch n := n.(type) {
		case *ast.Link:
			dest = string(n.Destination)
		case *ast.Image:
			dest = string(n.Destination)
		case *ast.AutoLink:
			dest = string(n.URL(src))
			if n.AutoLinkType == ast.AutoLinkEmail {
				dest = "mailto:" + dest
			}
		default:
			return ast.WalkContinue, nil
		}
		if !allowedURL(dest) {
			bad = append(bad, dest)
		}
		return ast.WalkContinue, nil
	})
	return bad
}

func allowedURL(s string) bool {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil {
		return false
	}
	switch strings.ToLower(u.Scheme) {
	case "https":
		return u.Host != ""
	case "tel":
		return true
	}
	return false
}
