package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"speaksafe/apptest"
)

// setCollection sets the items of the caller's school collection and
// answers its join code.
func setCollection(t *testing.T, app *apptest.App, token string, ids []string) string {
	t.Helper()
	var c struct {
		JoinCode string
		Version  int64
	}
	app.Get(t, "/v1/staff/collection", token).Decode(t, &c)
	res := app.Do(t, apptest.Request{Method: http.MethodPut, Path: "/v1/staff/collection", Token: token,
		Header: map[string]string{"If-Match": fmt.Sprintf(`"v%d"`, c.Version)}, Body: map[string]any{"items": ids}})
	if res.Status != http.StatusOK {
		t.Fatalf("set collection: status %d: %s", res.Status, res.Body)
	}
	return strings.ReplaceAll(c.JoinCode, "-", "")
}

// publishSchoolItem has staff write slug and a second lead publish it.
func publishSchoolItem(t *testing.T, app *apptest.App, staffToken, leadToken, slug string) string {
	t.Helper()
	_, it := staffDo(t, app, http.MethodPost, "/v1/staff/content", staffToken, "", draftBody(slug))
	staffDo(t, app, http.MethodPost, "/v1/staff/content/"+it.ID+"/submit", staffToken, "", nil)
	if res, _ := staffDo(t, app, http.MethodPost, "/v1/staff/content/"+it.ID+"/publish", leadToken, "", nil); res.Status != http.StatusOK {
		t.Fatalf("publish %s: status %d: %s", slug, res.Status, res.Body)
	}
	return it.ID
}

// A school's own item is read only through that school's collection:
// another school can neither list nor add it, and its code does not open
// it; the national routes never show it.
func TestSchoolItemsStayInTheirSchool(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	w := app.NewWorld(t)
	staffA, leadA, staffB := w.Who(t, "schoolA/school_staff"), w.Who(t, "schoolA/safeguarding_lead"), w.Who(t, "schoolB/school_staff")
	id := publishSchoolItem(t, app, staffA.Token, leadA.Token, "talk-to-mr-davies")
	codeA := setCollection(t, app, staffA.Token, []string{id, "lib-en-trusted-adults"})

	var b struct{ JoinCode string }
	app.Get(t, "/v1/staff/collection", staffB.Token).Decode(t, &b)
	res := app.Do(t, apptest.Request{Method: http.MethodPut, Path: "/v1/staff/collection", Token: staffB.Token,
		Header: map[string]string{"If-Match": `"v1"`}, Body: map[string]any{"items": []string{id}}})
	if res.Status != http.StatusBadRequest {
		t.Errorf("another school adding school A's item: status %d, want 400", res.Status)
	}
	codeB := strings.ReplaceAll(b.JoinCode, "-", "")
	for path, want := range map[string]int{
		"/v1/schools/" + codeA + "/collection/talk-to-mr-davies": http.StatusOK,
		"/v1/schools/" + codeA + "/collection/trusted-adults":    http.StatusOK,
		"/v1/schools/" + codeB + "/collection/talk-to-mr-davies": http.StatusNotFound,
		"/v1/schools/" + codeA + "/collection/what-is-grooming":  http.StatusNotFound,
		"/v1/schools/AAAAAAAAAA/collection/talk-to-mr-davies":    http.StatusNotFound,
		"/v1/content/talk-to-mr-davies":                          http.StatusNotFound,
	} {
		if got := app.Get(t, path, ""); got.Status != want {
			t.Errorf("GET %s: status %d, want %d", path, got.Status, want)
		}
	}
	for _, path := range []string{"/v1/content?locale=en&limit=50&q=safe", "/v1/content/changes"} {
		if body := app.Get(t, path, "").Body; strings.Contains(string(body), "talk-to-mr-davies") {
			t.Errorf("GET %s shows school A's item", path)
		}
	}
	if shared := app.Get(t, "/v1/schools/"+codeA+"/collection", ""); !strings.Contains(string(shared.Body), "talk-to-mr-davies") {
		t.Errorf("school A's collection lacks its own item: %s", shared.Body)
	}
}

// Engagement for a school's collection counts reads through that
// collection only (library items included), aggregate only, shown at 5 or more.
func TestCollectionEngagementCountsReadsThroughTheCollection(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	w := app.NewWorld(t)
	staffA, leadA := w.Who(t, "schoolA/school_staff"), w.Who(t, "schoolA/safeguarding_lead")
	own := publishSchoolItem(t, app, staffA.Token, leadA.Token, "talk-to-mr-davies")
	code := setCollection(t, app, staffA.Token, []string{own, "lib-en-trusted-adults"})
	read := func(path string, n int) {
		for range n {
			if res := app.Get(t, path, ""); res.Status != http.StatusOK {
				t.Fatalf("GET %s: status %d", path, res.Status)
			}
		}
	}
	read("/v1/schools/"+code+"/collection/trusted-adults", 6)
	read("/v1/content/trusted-adults", 7) // national reads: not the school's
	read("/v1/schools/"+code+"/collection/talk-to-mr-davies", 4)
	if err := app.Tools().Content.FlushViews(context.Background()); err != nil {
		t.Fatal(err)
	}
	var st struct {
		CollectionItems []struct {
			Slug  string
			Total *int64
		}
	}
	res := app.Get(t, "/v1/staff/content-stats?days=7", leadA.Token)
	if res.Status != http.StatusOK {
		t.Fatalf("stats: status %d: %s", res.Status, res.Body)
	}
	res.Decode(t, &st)
	got := map[string]string{}
	for _, it := range st.CollectionItems {
		got[it.Slug] = "hidden"
		if it.Total != nil {
			got[it.Slug] = fmt.Sprint(*it.Total)
		}
	}
	if got["trusted-adults"] != "6" || got["talk-to-mr-davies"] != "hidden" || len(got) != 2 {
		t.Errorf("collection engagement: got %v, want trusted-adults 6 (reads through the collection only) and the 4 reads hidden", got)
	}
}
