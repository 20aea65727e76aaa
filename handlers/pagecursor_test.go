package handlers_test

import (
	"net/http"
	"net/url"
	"slices"
	"testing"

	"speaksafe/apptest"
)

type idPage struct {
	Items []struct{ ID string }
	Next  string
}

// walk lists path one item a page, following next as cursor, and answers
// the ids in order.
func walk(t *testing.T, app *apptest.App, path, token string) []string {
	t.Helper()
	var ids []string
	cursor := ""
	for range 50 {
		res := app.Get(t, path+"?limit=1&cursor="+url.QueryEscape(cursor), token)
		if res.Status != http.StatusOK {
			t.Fatalf("%s cursor %q: status %d: %s", path, cursor, res.Status, res.Body)
		}
		var p idPage
		res.Decode(t, &p)
		for _, it := range p.Items {
			ids = append(ids, it.ID)
		}
		if p.Next == "" {
			return ids
		}
		cursor = p.Next
	}
	t.Fatalf("%s: still a next page after 50 pages", path)
	return nil
}

func TestOrganisationsAndUsersPageWithCursor(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	w := app.NewWorld(t)
	for _, path := range []string{"/v1/organisations", "/v1/users"} {
		var all idPage
		app.Get(t, path+"?limit=100", w.Admin.Token).Decode(t, &all)
		var want []string
		for _, it := range all.Items {
			want = append(want, it.ID)
		}
		if len(want) < 3 {
			t.Fatalf("%s: only %d items to page through", path, len(want))
		}
		if got := walk(t, app, path, w.Admin.Token); !slices.Equal(got, want) {
			t.Errorf("%s paged by cursor: %v, want %v", path, got, want)
		}
		// The older name still works and agrees with cursor.
		var byAfter idPage
		app.Get(t, path+"?limit=1&after="+url.QueryEscape(want[0]), w.Admin.Token).Decode(t, &byAfter)
		if len(byAfter.Items) != 1 || byAfter.Items[0].ID != want[1] {
			t.Errorf("%s after=%s: %+v, want %s", path, want[0], byAfter.Items, want[1])
		}
		res := app.Get(t, path+"?cursor="+url.QueryEscape(want[0])+"&after="+url.QueryEscape(want[1]), w.Admin.Token)
		if res.Status != http.StatusBadRequest {
			t.Errorf("%s with cursor and after disagreeing: status %d, want 400", path, res.Status)
		}
	}
}
