package handlers_test

import (
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"speaksafe/accounts"
	"speaksafe/apptest"
)

// figuresRoutes are the only routes a commissioner may call besides its own
// account and organisation.
var figuresRoutes = []string{"GET /v1/stats", "GET /v1/stats/charts/:chart"}

var routeParam = regexp.MustCompile(`:[A-Za-z]+`)

// TestCommissionerSeesNoRecord walks every route of the app as a
// commissioner covering force A, with the ids of a real case, alert and
// user of force A in the path: every route but the figures, its own account
// and its organisation answers 404, as if nothing were there.
func TestCommissionerSeesNoRecord(t *testing.T) {
	t.Parallel()
	app := apptest.New(t, apptest.WithoutWorkers())
	w := app.NewWorld(t)
	pcc := w.Who(t, "oversightA/commissioner")
	var ans reportAnswer
	postReport(t, app, freshKey(), routineReport(w.ForceA.Code, "a man online sends me money"), nil).Decode(t, &ans)
	caseID := caseOf(t, app, ans.Reference)
	officer := w.Who(t, "forceA/officer")
	if res := app.Get(t, "/v1/cases/"+caseID, officer.Token); res.Status != http.StatusOK {
		t.Fatalf("the officer of the force reads the case: got %d", res.Status)
	}
	checked := 0
	for route, p := range app.Router.Policies() {
		method, path, _ := strings.Cut(route, " ")
		if p.IsPublic() || p.IsReporter() || slices.Contains(figuresRoutes, route) || p.Allows(accounts.RoleCommissioner) {
			continue
		}
		id := caseID
		if strings.Contains(path, "/users/") {
			id = officer.ID
		}
		req := apptest.Request{Method: method, Path: routeParam.ReplaceAllString(path, id), Token: pcc.Token}
		if method != http.MethodGet && method != http.MethodDelete {
			req.Body = map[string]any{}
		}
		if res := app.Do(t, req); res.Status != http.StatusNotFound {
			t.Errorf("%s as a commissioner: got %d, want 404; %s", route, res.Status, res.Body)
		}
		checked++
	}
	if checked < 40 {
		t.Errorf("walked %d routes, want every record route", checked)
	}
	for _, path := range []string{"/v1/me", "/v1/organisations/" + w.OversightA.ID} {
		if res := app.Get(t, path, pcc.Token); res.Status != http.StatusOK {
			t.Errorf("GET %s as a commissioner: got %d, want 200", path, res.Status)
		}
	}
	if res := app.Get(t, "/v1/organisations/"+w.ForceA.ID, pcc.Token); res.Status != http.StatusNotFound {
		t.Errorf("a force's organisation record as a commissioner: got %d, want 404", res.Status)
	}
}

// TestOversightOrganisationsAreValidated: only an admin creates an
// oversight office; it must list existing police forces, and a commissioner
// fits only such an office.
func TestOversightOrganisationsAreValidated(t *testing.T) {
	t.Parallel()
	app := apptest.New(t, apptest.WithoutWorkers())
	w := app.NewWorld(t)
	admin := w.Admin.Token
	create := func(token string, body map[string]any) *apptest.Response {
		body["kind"], body["name"] = "oversight", "PCC office"
		body["code"] = "pcc-" + randomSuffix()
		return app.Post(t, "/v1/organisations", token, body)
	}
	for name, tc := range map[string]struct {
		body map[string]any
		want int
	}{
		"no forces":           {map[string]any{}, http.StatusBadRequest},
		"a school as force":   {map[string]any{"forceIds": []string{w.SchoolA.ID}}, http.StatusBadRequest},
		"an unknown force":    {map[string]any{"forceIds": []string{"nope"}}, http.StatusBadRequest},
		"a force twice":       {map[string]any{"forceIds": []string{w.ForceA.ID, w.ForceA.ID}}, http.StatusBadRequest},
		"with a single force": {map[string]any{"forceIds": []string{w.ForceA.ID}, "forceId": w.ForceA.ID}, http.StatusBadRequest},
		"two forces":          {map[string]any{"forceIds": []string{w.ForceA.ID, w.ForceB.ID}}, http.StatusCreated},
	} {
		if res := create(admin, tc.body); res.Status != tc.want {
			t.Errorf("%s: got %d, want %d; %s", name, res.Status, tc.want, res.Body)
		}
	}
	if res := create(w.Who(t, "forceA/supervisor").Token, map[string]any{"forceIds": []string{w.ForceA.ID}}); res.Status != http.StatusForbidden {
		t.Errorf("a supervisor creating an oversight office: got %d, want 403", res.Status)
	}
	if res := app.Post(t, "/v1/organisations", admin, map[string]any{"kind": "force", "name": "F", "code": "f-" + randomSuffix(),
		"forceIds": []string{w.ForceA.ID}}); res.Status != http.StatusBadRequest {
		t.Errorf("a force with forceIds: got %d, want 400", res.Status)
	}
	for _, org := range []string{w.ForceA.ID, w.SchoolA.ID} {
		res := app.Post(t, "/v1/users", admin, map[string]string{"email": "pcc-" + randomSuffix() + "@example.test",
			"name": "Analyst", "role": "commissioner", "orgId": org})
		if res.Status != http.StatusBadRequest {
			t.Errorf("a commissioner in a force or school: got %d, want 400", res.Status)
		}
	}
	res := app.Post(t, "/v1/users", admin, map[string]string{"email": "pcc-" + randomSuffix() + "@example.test",
		"name": "Analyst", "role": "commissioner", "orgId": w.OversightA.ID})
	if res.Status != http.StatusCreated {
		t.Errorf("a commissioner in an oversight office: got %d, want 201; %s", res.Status, res.Body)
	}
	lead := w.Who(t, "schoolA/safeguarding_lead").Token
	res = app.Post(t, "/v1/users", lead, map[string]string{"email": "pcc-" + randomSuffix() + "@example.test",
		"name": "Analyst", "role": "commissioner", "orgId": w.OversightA.ID})
	if res.Status != http.StatusBadRequest && res.Status != http.StatusForbidden {
		t.Errorf("a school's lead creating a commissioner: got %d, want a refusal", res.Status)
	}
}
