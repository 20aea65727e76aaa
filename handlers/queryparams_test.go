package handlers_test

import (
	"net/http"
	"strings"
	"testing"

	"speaksafe/accounts"
	"speaksafe/apptest"
)

// A query parameter a route does not declare is refused, never ignored: a
// filter silently dropped would show an officer the wrong cases.
func TestUnknownQueryParametersAreRefused(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	force := app.CreateForce(t, "qpforce")
	officer := app.Staff(t, accounts.RoleOfficer, force.ID)
	admin := app.Staff(t, accounts.RoleAdmin, "")
	for _, tc := range []struct{ path, token string }{
		{"/v1/cases?offender=someone", officer.Token},
		{"/v1/cases?Limit=5", officer.Token},
		{"/v1/users?role=admin&bogus=1", admin.Token},
		{"/v1/forces?area=north", ""},
		{"/v1/content?utm_source=x", ""},
		{"/v1/alerts?since=yesterday", officer.Token},
	} {
		res := app.Get(t, tc.path, tc.token)
		if res.Status != http.StatusBadRequest {
			t.Errorf("%s: got %d, want 400", tc.path, res.Status)
			continue
		}
		if !strings.Contains(string(res.Body), "query parameter") {
			t.Errorf("%s: the problem does not say which parameter: %s", tc.path, res.Body)
		}
	}
	for _, tc := range []struct{ path, token string }{
		{"/v1/cases?limit=5", officer.Token},
		{"/v1/forces", ""},
		{"/v1/content?limit=2", ""},
	} {
		if res := app.Get(t, tc.path, tc.token); res.Status != http.StatusOK {
			t.Errorf("%s: got %d, want 200", tc.path, res.Status)
		}
	}
}
