package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"speaksafe/accounts"
	"speaksafe/apptest"
)

type summaryJSON struct {
	ID, Slug, Locale, Title string
	AgeBands, Topics        []string
}

type listJSON struct {
	Items []summaryJSON
	Next  string
}

func listContent(t *testing.T, app *apptest.App, query string) listJSON {
	t.Helper()
	res := app.Get(t, "/v1/content?"+query, "")
	if res.Status != http.StatusOK {
		t.Fatalf("GET /v1/content?%s: status %d, want 200: %s", query, res.Status, res.Body)
	}
	var l listJSON
	res.Decode(t, &l)
	return l
}

func TestContentLibraryOnFreshStart(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	all := listContent(t, app, "locale=en&limit=50")
	if len(all.Items) < 16 {
		t.Fatalf("fresh start lists %d English items, want at least 16", len(all.Items))
	}
	for _, q := range []string{"locale=en&ageBand=8-10", "locale=en&topic=criminal-exploitation", "locale=cy", "locale=en&q=" + url.QueryEscape("sextortion")} {
		got := listContent(t, app, q+"&limit=50")
		if len(got.Items) == 0 || len(got.Items) >= len(all.Items) {
			t.Errorf("%s: %d items, want between 1 and %d", q, len(got.Items), len(all.Items)-1)
		}
	}
	for _, bad := range []string{"ageBand=7-9", "topic=cats", "locale=fr", "limit=51", "limit=0", "cursor=%24ne", "q=" + strings.Repeat("a", 101)} {
		if res := app.Get(t, "/v1/content?"+bad, ""); res.Status != http.StatusBadRequest {
			t.Errorf("GET /v1/content?%s: status %d, want 400", bad, res.Status)
		}
	}
	// Paging: two pages of 10 do not overlap.
	p1 := listContent(t, app, "locale=en&limit=10")
	p2 := listContent(t, app, "locale=en&limit=10&cursor="+url.QueryEscape(p1.Next))
	if p1.Next == "" || len(p2.Items) == 0 || p1.Items[9].ID == p2.Items[0].ID {
		t.Errorf("paging: next %q, second page %d items", p1.Next, len(p2.Items))
	}
}

func TestContentETagsGive304AndPublicCaching(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	for _, path := range []string{"/v1/content?locale=en", "/v1/content/what-is-grooming?locale=cy", "/v1/helplines", "/v1/content/changes"} {
		res := app.Get(t, path, "")
		etag := res.Header.Get("ETag")
		if res.Status != http.StatusOK || etag == "" || !strings.HasPrefix(res.Header.Get("Cache-Control"), "public") {
			t.Fatalf("GET %s: status %d, ETag %q, Cache-Control %q", path, res.Status, etag, res.Header.Get("Cache-Control"))
		}
		again := app.Do(t, apptest.Request{Method: http.MethodGet, Path: path, Header: map[string]string{"If-None-Match": etag}})
		if again.Status != http.StatusNotModified || len(again.Body) != 0 {
			t.Errorf("GET %s with If-None-Match: status %d body %d bytes, want 304 and empty", path, again.Status, len(again.Body))
		}
		stale := app.Do(t, apptest.Request{Method: http.MethodGet, Path: path, Header: map[string]string{"If-None-Match": `"other"`}})
		if stale.Status != http.StatusOK {
			t.Errorf("GET %s with a stale ETag: status %d, want 200", path, stale.Status)
		}
	}
	var item struct {
		HTML, Text string
		Helplines  []struct{ ID, Name string }
	}
	res := app.Get(t, "/v1/content/sextortion-what-to-do", "")
	res.Decode(t, &item)
	if !strings.Contains(item.HTML, "<h2>") || strings.Contains(item.Text, "<") || len(item.Helplines) == 0 {
		t.Errorf("item: html %.60q text %.60q helplines %d", item.HTML, item.Text, len(item.Helplines))
	}
	var hl struct{ Helplines []struct{ ID, Phone string } }
	app.Get(t, "/v1/helplines", "").Decode(t, &hl)
	phones := fmt.Sprint(hl.Helplines)
	for _, want := range []string{"0800 1111", "999", "101", "0808 800 5000", "report-remove", "ceop"} {
		if !strings.Contains(phones, want) {
			t.Errorf("helplines %s lack %s", phones, want)
		}
	}
	if res := app.Get(t, "/v1/content/no-such-item", ""); res.Status != http.StatusNotFound {
		t.Errorf("unknown slug: status %d, want 404", res.Status)
	}
}

type staffItemJSON struct {
	ID, State string
	Version   int64
	Revision  int
}

func draftBody(slug string) map[string]any {
	return map[string]any{"slug": slug, "locale": "en", "title": "Safe walking home " + slug,
		"summary": "How to get home safely.", "body": "Walk with friends.\n\n<script>alert('pwned')</script>\n\n[Call Childline](tel:08001111)",
		"ageBands": []string{"11-13"}, "topics": []string{"trusted-adults"}, "helplines": []string{"childline"}}
}

func staffDo(t *testing.T, app *apptest.App, method, path, token, ifMatch string, body any) (*apptest.Response, staffItemJSON) {
	t.Helper()
	h := map[string]string{}
	if ifMatch != "" {
		h["If-Match"] = ifMatch
	}
	res := app.Do(t, apptest.Request{Method: method, Path: path, Token: token, Body: body, Header: h})
	var it staffItemJSON
	if res.Status < 300 {
		res.Decode(t, &it)
		if cc := res.Header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("%s %s: Cache-Control %q, want no-store", method, path, cc)
		}
	}
	return res, it
}

func TestAuthoringWorkflowOverHTTP(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	w := app.NewWorld(t)
	staff, leadA, leadB := w.Who(t, "schoolA/school_staff"), w.Who(t, "schoolA/safeguarding_lead"), w.Who(t, "schoolB/safeguarding_lead")

	feed := app.Get(t, "/v1/content/changes", "")
	var start struct{ Next string }
	feed.Decode(t, &start)

	res, it := staffDo(t, app, http.MethodPost, "/v1/staff/content", staff.Token, "", draftBody("walking-home"))
	if res.Status != http.StatusCreated || res.Header.Get("ETag") != `"v1"` {
		t.Fatalf("create: status %d ETag %q: %s", res.Status, res.Header.Get("ETag"), res.Body)
	}
	base := "/v1/staff/content/" + it.ID
	if res, _ := staffDo(t, app, http.MethodGet, base, leadB.Token, "", nil); res.Status != http.StatusNotFound {
		t.Errorf("other school's lead reading the draft: status %d, want 404", res.Status)
	}
	edit := draftBody("walking-home")
	edit["title"] = "Getting home safely"
	if res, _ := staffDo(t, app, http.MethodPut, base, staff.Token, `"v7"`, edit); res.Status != http.StatusPreconditionFailed {
		t.Errorf("edit with stale If-Match: status %d, want 412", res.Status)
	}
	if res, _ := staffDo(t, app, http.MethodPut, base, staff.Token, "", edit); res.Status != http.StatusBadRequest {
		t.Errorf("edit without If-Match: status %d, want 400", res.Status)
	}
	res, it = staffDo(t, app, http.MethodPut, base, staff.Token, `"v1"`, edit)
	if res.Status != http.StatusOK || it.Version != 2 {
		t.Fatalf("edit: status %d version %d: %s", res.Status, it.Version, res.Body)
	}
	if res, _ = staffDo(t, app, http.MethodPost, base+"/submit", staff.Token, `"v2"`, nil); res.Status != http.StatusOK {
		t.Fatalf("submit: status %d: %s", res.Status, res.Body)
	}
	if res, _ := staffDo(t, app, http.MethodPost, base+"/publish", staff.Token, "", nil); res.Status != http.StatusForbidden {
		t.Errorf("school staff publishing: status %d, want 403", res.Status)
	}
	if res, _ := staffDo(t, app, http.MethodPost, base+"/publish", leadB.Token, "", nil); res.Status != http.StatusNotFound {
		t.Errorf("other school's lead publishing: status %d, want 404", res.Status)
	}
	res, it = staffDo(t, app, http.MethodPost, base+"/publish", leadA.Token, "", nil)
	if res.Status != http.StatusOK || it.State != "published" || it.Revision != 1 {
		t.Fatalf("publish: status %d state %s revision %d: %s", res.Status, it.State, it.Revision, res.Body)
	}

	// A school's item stays in the school: not in the national list, the
	// item route or the feed, until a national reviewer promotes it.
	type changesJSON struct {
		Changes []struct{ Kind, ID, Slug string }
		Next    string
	}
	if res := app.Get(t, "/v1/content/walking-home", ""); res.Status != http.StatusNotFound {
		t.Errorf("a school's item on the national item route: status %d, want 404", res.Status)
	}
	if l := app.Get(t, "/v1/content?locale=en&limit=50&q=home", ""); strings.Contains(string(l.Body), "walking-home") {
		t.Error("a school's item is in the national list")
	}
	var ch changesJSON
	app.Get(t, "/v1/content/changes?since="+url.QueryEscape(start.Next), "").Decode(t, &ch)
	if len(ch.Changes) != 0 {
		t.Errorf("the national feed carries a school's item: %+v", ch.Changes)
	}
	code := setCollection(t, app, staff.Token, []string{it.ID})
	var pub struct{ HTML, Title string }
	got := app.Get(t, "/v1/schools/"+code+"/collection/walking-home", "")
	got.Decode(t, &pub)
	if got.Status != http.StatusOK || pub.Title != "Getting home safely" || strings.Contains(pub.HTML, "<script") || !strings.Contains(pub.HTML, `href="tel:08001111"`) {
		t.Errorf("the item through its school's collection: status %d title %q html %q", got.Status, pub.Title, pub.HTML)
	}
	if res, _ := staffDo(t, app, http.MethodPost, base+"/promote", leadA.Token, "", nil); res.Status != http.StatusForbidden {
		t.Errorf("a school lead promoting: status %d, want 403", res.Status)
	}
	if res, _ := staffDo(t, app, http.MethodPost, base+"/promote", w.Admin.Token, "", nil); res.Status != http.StatusOK {
		t.Fatalf("promote: status %d: %s", res.Status, res.Body)
	}
	got = app.Get(t, "/v1/content/walking-home", "")
	got.Decode(t, &pub)
	if got.Status != http.StatusOK || pub.Title != "Getting home safely" {
		t.Errorf("promoted item on the national route: status %d title %q", got.Status, pub.Title)
	}
	app.Get(t, "/v1/content/changes?since="+url.QueryEscape(start.Next), "").Decode(t, &ch)
	if len(ch.Changes) != 1 || ch.Changes[0].Kind != "published" || ch.Changes[0].Slug != "walking-home" {
		t.Fatalf("feed after promotion: %+v", ch.Changes)
	}
	if res, _ := staffDo(t, app, http.MethodPost, base+"/withdraw", leadA.Token, "", nil); res.Status != http.StatusOK {
		t.Fatalf("withdraw: status %d: %s", res.Status, res.Body)
	}
	var ch2 changesJSON
	app.Get(t, "/v1/content/changes?since="+url.QueryEscape(ch.Next), "").Decode(t, &ch2)
	if len(ch2.Changes) != 1 || ch2.Changes[0].Kind != "withdrawn" || ch2.Changes[0].ID != it.ID {
		t.Errorf("feed after withdrawal: %+v, want one tombstone", ch2.Changes)
	}
	if res := app.Get(t, "/v1/content/walking-home", ""); res.Status != http.StatusNotFound {
		t.Errorf("withdrawn item: status %d, want 404", res.Status)
	}
}

func TestLeadCannotPublishOwnItem(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	school := app.CreateSchool(t, app.CreateForce(t, "").ID, "Lone School")
	lead := app.Staff(t, accounts.RoleSafeguardingLead, school.ID)
	_, it := staffDo(t, app, http.MethodPost, "/v1/staff/content", lead.Token, "", draftBody("own-item"))
	base := "/v1/staff/content/" + it.ID
	staffDo(t, app, http.MethodPost, base+"/submit", lead.Token, "", nil)
	if res, _ := staffDo(t, app, http.MethodPost, base+"/publish", lead.Token, "", nil); res.Status != http.StatusForbidden {
		t.Errorf("author publishing own item: status %d, want 403", res.Status)
	}
	lead2 := app.Staff(t, accounts.RoleSafeguardingLead, school.ID)
	res, _ := staffDo(t, app, http.MethodPost, base+"/send-back", lead2.Token, "", map[string]string{"comment": "Add a helpline."})
	if res.Status != http.StatusOK || !strings.Contains(string(res.Body), "Add a helpline.") {
		t.Errorf("send back: status %d: %s", res.Status, res.Body)
	}
}

func TestSchoolCodeShowsOnlyThatSchool(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	w := app.NewWorld(t)
	staffA, staffB := w.Who(t, "schoolA/school_staff"), w.Who(t, "schoolB/school_staff")
	type colJSON struct {
		JoinCode string
		Version  int64
		Items    []summaryJSON
	}
	setup := func(token string, ids []string) colJSON {
		var c colJSON
		app.Get(t, "/v1/staff/collection", token).Decode(t, &c)
		res := app.Do(t, apptest.Request{Method: http.MethodPut, Path: "/v1/staff/collection", Token: token,
			Header: map[string]string{"If-Match": fmt.Sprintf(`"v%d"`, c.Version)}, Body: map[string]any{"items": ids}})
		if res.Status != http.StatusOK {
			t.Fatalf("set collection: status %d: %s", res.Status, res.Body)
		}
		res.Decode(t, &c)
		return c
	}
	a := setup(staffA.Token, []string{"lib-en-trusted-adults", "lib-en-gaming-and-chat-apps"})
	b := setup(staffB.Token, []string{"lib-en-staying-safe-in-games"})
	var shared struct{ Items []summaryJSON }
	res := app.Get(t, "/v1/schools/"+url.PathEscape(strings.ToLower(a.JoinCode))+"/collection", "")
	if res.Status != http.StatusOK {
		t.Fatalf("school A code: status %d: %s", res.Status, res.Body)
	}
	res.Decode(t, &shared)
	if len(shared.Items) != 2 || shared.Items[0].Slug != "trusted-adults" || shared.Items[1].Slug != "gaming-and-chat-apps" {
		t.Errorf("school A collection = %+v, want exactly its two items in order", shared.Items)
	}
	app.Get(t, "/v1/schools/"+b.JoinCode+"/collection", "").Decode(t, &shared)
	if len(shared.Items) != 1 || shared.Items[0].Slug != "staying-safe-in-games" {
		t.Errorf("school B collection = %+v", shared.Items)
	}
	if res := app.Get(t, "/v1/schools/AAAAA-AAAAA/collection", ""); res.Status != http.StatusNotFound {
		t.Errorf("unknown code: status %d, want 404", res.Status)
	}
	var rotated colJSON
	app.Post(t, "/v1/staff/collection/join-code", staffA.Token, nil).Decode(t, &rotated)
	if rotated.JoinCode == a.JoinCode {
		t.Fatal("rotation kept the code")
	}
	if res := app.Get(t, "/v1/schools/"+a.JoinCode+"/collection", ""); res.Status != http.StatusNotFound {
		t.Errorf("rotated-away code: status %d, want 404", res.Status)
	}
	if res := app.Get(t, "/v1/staff/content-stats?days=7", staffA.Token); res.Status != http.StatusOK {
		t.Errorf("stats: status %d: %s", res.Status, res.Body)
	}
}

func TestSchoolCodeGuessesAreThrottled(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	limited := false
	for i := range 80 {
		res := app.Do(t, apptest.Request{Method: http.MethodGet, Path: fmt.Sprintf("/v1/schools/AAAAA-%05d/collection", i), RemoteAddr: "198.51.100.7:5555"})
		if res.Status == http.StatusTooManyRequests {
			limited = true
			break
		}
		if res.Status != http.StatusNotFound {
			t.Fatalf("guess %d: status %d, want 404", i, res.Status)
		}
	}
	if !limited {
		t.Error("80 guesses from one client were never throttled")
	}
}
