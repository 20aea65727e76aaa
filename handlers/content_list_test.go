package handlers_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"speaksafe/apptest"
	"speaksafe/server"
)

// A list the app has already answered (and may answer from memory) shows a
// change at once on the instance that made it and, within the catalogue's
// refresh bound, on another instance; a school's own item never reaches it.
func TestContentListShowsChangesAtOnceAndOnOtherInstances(t *testing.T) {
	t.Parallel()
	clock := apptest.NewClock(time.Now().UTC().Truncate(time.Second))
	app := apptest.New(t, apptest.WithClock(clock))
	other := apptest.New(t, apptest.WithDatabase(app.DB), apptest.WithClock(clock), apptest.WithoutWorkers(),
		apptest.WithConfig(func(c *server.Config) {
			c.JWTSigningKeys, c.DataKeys, c.AuditKeys = app.Cfg.JWTSigningKeys, app.Cfg.DataKeys, app.Cfg.AuditKeys
		}))
	w := app.NewWorld(t)
	const path = "/v1/content?locale=en&limit=50&q=walking"
	lists := func(a *apptest.App, etag string) (status int, shown bool, newETag string) {
		t.Helper()
		res := a.Do(t, apptest.Request{Method: http.MethodGet, Path: path, Header: map[string]string{"If-None-Match": etag}})
		return res.Status, strings.Contains(string(res.Body), "walking-home"), res.Header.Get("ETag")
	}
	_, shown, etag := lists(app, "")
	_, otherShown, otherETag := lists(other, "")
	if shown || otherShown {
		t.Fatalf("walking-home listed before it exists: here %v, other instance %v", shown, otherShown)
	}
	if status, _, _ := lists(app, etag); status != http.StatusNotModified {
		t.Fatalf("unchanged list with its ETag: status %d, want 304", status)
	}

	id := publishSchoolItem(t, app, w.Who(t, "schoolA/school_staff").Token, w.Who(t, "schoolA/safeguarding_lead").Token, "walking-home")
	if status, shown, _ := lists(app, etag); shown {
		t.Errorf("a school's own item is in the national list (status %d)", status)
	}
	if res, _ := staffDo(t, app, http.MethodPost, "/v1/staff/content/"+id+"/promote", w.Admin.Token, "", nil); res.Status != http.StatusOK {
		t.Fatalf("promote: status %d: %s", res.Status, res.Body)
	}
	status, shown, promoted := lists(app, etag)
	if status != http.StatusOK || !shown || promoted == etag {
		t.Errorf("after promotion, with the old ETag: status %d, listed %v, ETag %s (was %s); want 200, listed, a new ETag", status, shown, promoted, etag)
	}
	clock.Advance(3 * time.Second) // past the catalogue's 2 s refresh bound
	if status, shown, _ := lists(other, otherETag); status != http.StatusOK || !shown {
		t.Errorf("other instance after its refresh bound: status %d, listed %v; want 200 and listed", status, shown)
	}

	if res, _ := staffDo(t, app, http.MethodPost, "/v1/staff/content/"+id+"/withdraw", w.Who(t, "schoolA/safeguarding_lead").Token, "", nil); res.Status != http.StatusOK {
		t.Fatalf("withdraw: status %d: %s", res.Status, res.Body)
	}
	if status, shown, _ := lists(app, promoted); status != http.StatusOK || shown {
		t.Errorf("after withdrawal, with the promoted list's ETag: status %d, listed %v; want 200 and not listed", status, shown)
	}
}
