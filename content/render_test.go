package content

import (
	"strings"
	"testing"
)

func TestHTMLNeverCarriesScriptOrUnsafeLinks(t *testing.T) {
	t.Parallel()
	r := NewRenderer()
	cases := []struct {
		name, body string
		banned     []string
	}{
		{"script tag", "Hello\n\n<script>alert(1)</script>\n\nbye", []string{"<script", "alert(1)"}},
		{"inline script", "Hi <script>alert(2)</script> there", []string{"<script", "</script"}},
		{"event handler", `<img src=x onerror="alert(3)">`, []string{"onerror", "<img"}},
		{"javascript link", "[click](javascript:alert(4))", []string{"javascript:"}},
		{"http link", "[site](http://example.com/)", []string{"http://example.com"}},
		{"data link", "[x](data:text/html;base64,PHNjcmlwdD4=)", []string{"data:"}},
		{"iframe", "<iframe src=https://evil.example></iframe>", []string{"<iframe"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := r.HTML(tc.body)
			for _, b := range tc.banned {
				if strings.Contains(strings.ToLower(got), strings.ToLower(b)) {
					t.Errorf("HTML(%q) = %q, contains %q", tc.body, got, b)
				}
			}
		})
	}
}

func TestHTMLKeepsSafeFormattingAndLinks(t *testing.T) {
	t.Parallel()
	got := NewRenderer().HTML("## Help\n\n- **Call** [Childline](tel:08001111)\n- [CEOP](https://www.ceop.police.uk/)\n")
	for _, want := range []string{"<h2>Help</h2>", "<strong>Call</strong>", `href="tel:08001111"`, `href="https://www.ceop.police.uk/"`, "<li>"} {
		if !strings.Contains(got, want) {
			t.Errorf("HTML = %q, want it to contain %q", got, want)
		}
	}
}

func TestTextIsPlain(t *testing.T) {
	t.Parallel()
	got := NewRenderer().Text("## Title\n\nSome **bold** and [a link](https://x.example).\n\n- one\n- two\n\n<script>alert(1)</script>\n")
	want := "Title\n\nSome bold and a link.\n\n• one\n\n• two"
	if got != want {
		t.Errorf("Text = %q, want %q", got, want)
	}
}

func TestDraftValidateCollectsAllErrors(t *testing.T) {
	t.Parallel()
	d := Draft{Slug: "Bad Slug", Locale: "fr", Title: "", Summary: "s", Body: "[x](javascript:alert(1))",
		AgeBands: []string{"3-5"}, Topics: nil, Helplines: []string{"nope"}}
	err := d.Validate()
	if err == nil {
		t.Fatal("Validate = nil, want errors")
	}
	for _, f := range []string{"slug", "locale", "title", "ageBands", "topics", "helplines", "body"} {
		if !strings.Contains(err.Error(), f+":") {
			t.Errorf("Validate error %q lacks field %s", err, f)
		}
	}
}

func TestSeedLibrary(t *testing.T) {
	t.Parallel()
	items, err := SeedItems()
	if err != nil {
		t.Fatal(err)
	}
	bands, topics, locales := map[string]int{}, map[string]int{}, map[string]int{}
	for _, d := range items {
		locales[d.Locale]++
		for _, b := range d.AgeBands {
			bands[b]++
		}
		for _, tp := range d.Topics {
			topics[tp]++
		}
	}
	if locales["en"] < 16 {
		t.Errorf("got %d English items, want at least 16", locales["en"])
	}
	if locales["cy"] < 4 {
		t.Errorf("got %d Welsh items, want at least 4", locales["cy"])
	}
	for _, b := range AgeBands {
		if bands[b] < 3 {
			t.Errorf("age band %s has %d items, want at least 3", b, bands[b])
		}
	}
	if len(topics) < 6 {
		t.Errorf("got %d topics, want at least 6", len(topics))
	}
}
