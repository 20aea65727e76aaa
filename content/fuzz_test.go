package content

import (
	"errors"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"speaksafe/errkind"
)

// FuzzRender feeds arbitrary Markdown (what staff type) to the renderer:
// no panic, and the HTML the app's web view shows never carries script,
// event handlers, styles or links other than https: and tel:.
func FuzzRender(f *testing.F) {
	for _, s := range []string{
		"# Spotting grooming\n\nSomeone **online** asks you to keep secrets.",
		"<script>alert(1)</script>", "[x](javascript:alert(1))", "[x](https://childline.org.uk)", "[call](tel:08001111)",
		"<img src=x onerror=alert(1)>", "![i](https://e.test/i.png)", "<a href=\"data:text/html,<script>\">x</a>",
		"```\n<script>\n```", "> quote\n\n- a\n- b\n\n1. c", "[x](JaVaScRiPt:alert(1))", "<style>*{}</style>",
		"[a](//evil.test)", "<iframe src=https://e.test></iframe>", "\x00\xff",
	} {
		f.Add(s)
	}
	r := NewRenderer()
	f.Fuzz(func(t *testing.T, body string) {
		out := r.HTML(body)
		z := html.NewTokenizer(strings.NewReader(out))
		for {
			tt := z.Next()
			if tt == html.ErrorToken {
				break
			}
			if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
				continue
			}
			tok := z.Token()
			if !allowedTags[tok.Data] {
				t.Fatalf("HTML of %q has a <%s> element: %s", body, tok.Data, out)
			}
			for _, a := range tok.Attr {
				switch {
				case tok.Data == "a" && a.Key == "href":
					u := strings.ToLower(a.Val)
					if !strings.HasPrefix(u, "https:") && !strings.HasPrefix(u, "tel:") {
						t.Fatalf("HTML of %q links to %q: %s", body, a.Val, out)
					}
				case tok.Data == "a" && a.Key == "rel":
				default:
					t.Fatalf("HTML of %q has attribute %s on <%s>: %s", body, a.Key, tok.Data, out)
				}
			}
		}
		_ = r.Text(body)
	})
}

// allowedTags are the elements the renderer's policy lets through.
var allowedTags = map[string]bool{"p": true, "br": true, "hr": true, "h2": true, "h3": true, "h4": true, "ul": true,
	"ol": true, "li": true, "strong": true, "em": true, "blockquote": true, "code": true, "pre": true, "a": true}

// FuzzListQuery feeds arbitrary listing parameters (the query string of
// GET /v1/content) to their validation: only field errors, never a panic.
func FuzzListQuery(f *testing.F) {
	f.Add("11-13", "grooming", "en", "secret", "", 20)
	f.Add("", "", "cy", "", "not-a-cursor", 0)
	f.Add("x", "y", "z", strings.Repeat("q", 200), "eyJ4IjoxfQ", 51)
	f.Fuzz(func(t *testing.T, age, topic, locale, q, cursor string, limit int) {
		err := ListQuery{AgeBand: age, Topic: topic, Locale: locale, Q: q, Cursor: cursor, Limit: limit}.Validate()
		if err != nil {
			var ve *errkind.ValidationError
			if !errors.As(err, &ve) || len(ve.Fields) == 0 {
				t.Fatalf("validation failed without field errors: %v", err)
			}
		}
	})
}
