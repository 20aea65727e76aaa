package handlers_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"speaksafe/apptest"
)

// TestDirectoryListsOnlyActiveColleaguesOfTheForce: officers and
// supervisors see the names and roles of the active officers and
// supervisors of their own force, and nothing else; nobody else sees it.
func TestDirectoryListsOnlyActiveColleaguesOfTheForce(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	w := app.NewWorld(t)
	gone := app.Staff(t, "officer", w.ForceA.ID)
	if res := patchUser(t, app, w.Admin.Token, gone.ID, map[string]any{"disabled": true}); res.Status != http.StatusOK {
		t.Fatalf("disable: got %d", res.Status)
	}
	want := []string{w.Who(t, "forceA/officer").ID, w.Who(t, "forceA/supervisor").ID}
	slices.Sort(want)
	for _, who := range []string{"forceA/officer", "forceA/supervisor"} {
		res := app.Get(t, "/v1/directory", w.Who(t, who).Token)
		if res.Status != http.StatusOK {
			t.Fatalf("%s: got %d; %s", who, res.Status, res.Body)
		}
		var list struct {
			Items []map[string]string
		}
		res.Decode(t, &list)
		var got []string
		for _, c := range list.Items {
			got = append(got, c["id"])
			if len(c) != 3 || c["name"] == "" || c["role"] == "" {
				t.Errorf("%s: entry %v, want exactly id, name and role", who, c)
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: got %v, want the force's active officer and supervisor %v", who, got, want)
		}
		if strings.Contains(string(res.Body), "@") {
			t.Errorf("%s: the directory shows an email address", who)
		}
	}
	for _, who := range []string{"admin", "forceA/safeguarding_lead", "forceA/school_staff", "schoolA/safeguarding_lead"} {
		if res := app.Get(t, "/v1/directory", w.Who(t, who).Token); res.Status != http.StatusForbidden {
			t.Errorf("%s: got %d, want 403", who, res.Status)
		}
	}
	res := app.Get(t, "/v1/directory?limit=1", w.Who(t, "forceB/officer").Token)
	var page struct {
		Items []struct{ ID string }
		Next  string
	}
	res.Decode(t, &page)
	if len(page.Items) != 1 || page.Next == "" {
		t.Fatalf("force B, limit 1: got %+v, want one colleague and a next cursor", page)
	}
	res = app.Get(t, "/v1/directory?limit=1&cursor="+page.Next, w.Who(t, "forceB/officer").Token)
	var rest struct{ Items []struct{ ID string } }
	res.Decode(t, &rest)
	if len(rest.Items) != 1 || rest.Items[0].ID == page.Items[0].ID {
		t.Errorf("second page: got %+v, want the other colleague", rest.Items)
	}
}
