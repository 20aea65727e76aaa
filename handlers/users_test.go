package handlers_test

import (
	"net/http"
	"testing"

	"speaksafe/apptest"
)

func TestUserAndOrganisationMatrix(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	w := app.NewWorld(t)
	staffA := w.Who(t, "schoolA/school_staff")
	leadA := w.Who(t, "schoolA/safeguarding_lead")
	officerA := w.Who(t, "forceA/officer")
	get := func(path string) apptest.Request { return apptest.Request{Method: http.MethodGet, Path: path} }
	patch := func(path string, body any) apptest.Request {
		return apptest.Request{Method: http.MethodPatch, Path: path, Body: body}
	}
	rows := []apptest.MatrixRow{
		// One user of school A, seen by every role of every organisation.
		{Who: "admin", Request: get("/v1/users/" + staffA.ID), Want: http.StatusOK},
		{Who: "schoolA/safeguarding_lead", Request: get("/v1/users/" + staffA.ID), Want: http.StatusOK},
		{Who: "schoolA/school_staff", Request: get("/v1/users/" + staffA.ID), Want: http.StatusOK},
		{Who: "schoolA/school_staff", Request: get("/v1/users/" + leadA.ID), Want: http.StatusNotFound},
		{Who: "schoolB/safeguarding_lead", Request: get("/v1/users/" + staffA.ID), Want: http.StatusNotFound},
		{Who: "schoolB/school_staff", Request: get("/v1/users/" + staffA.ID), Want: http.StatusNotFound},
		{Who: "forceA/supervisor", Request: get("/v1/users/" + staffA.ID), Want: http.StatusNotFound},
		{Who: "forceA/officer", Request: get("/v1/users/" + staffA.ID), Want: http.StatusNotFound},
		{Who: "forceA/safeguarding_lead", Request: get("/v1/users/" + staffA.ID), Want: http.StatusNotFound},
		{Who: "forceB/supervisor", Request: get("/v1/users/" + officerA.ID), Want: http.StatusNotFound},
		{Who: "forceA/supervisor", Request: get("/v1/users/" + officerA.ID), Want: http.StatusOK},
		// Changing that user: only an admin or school A's lead.
		{Who: "schoolB/safeguarding_lead", Request: patch("/v1/users/"+staffA.ID, map[string]any{"name": "B"}), Want: http.StatusNotFound},
		{Who: "forceA/safeguarding_lead", Request: patch("/v1/users/"+staffA.ID, map[string]any{"name": "F"}), Want: http.StatusNotFound},
		{Who: "schoolA/school_staff", Request: patch("/v1/users/"+staffA.ID, map[string]any{"name": "S"}), Want: http.StatusForbidden},
		{Who: "schoolA/school_staff", Request: patch("/v1/users/"+leadA.ID, map[string]any{"name": "S"}), Want: http.StatusNotFound},
		{Who: "forceA/officer", Request: patch("/v1/users/"+staffA.ID, map[string]any{"disabled": true}), Want: http.StatusNotFound},
		{Who: "forceA/supervisor", Request: patch("/v1/users/"+officerA.ID, map[string]any{"disabled": true}), Want: http.StatusForbidden},
		{Who: "schoolA/safeguarding_lead", Request: patch("/v1/users/"+staffA.ID, map[string]any{"name": "Renamed"}), Want: http.StatusOK},
		{Who: "schoolA/safeguarding_lead", Request: patch("/v1/users/"+staffA.ID, map[string]any{"role": "officer"}), Want: http.StatusForbidden},
		{Who: "admin", Request: patch("/v1/users/"+staffA.ID, map[string]any{"name": "Again"}), Want: http.StatusOK},
		// New invites: only for users one may manage.
		{Who: "schoolB/safeguarding_lead", Request: apptest.Request{Method: http.MethodPost, Path: "/v1/users/" + staffA.ID + "/invite"}, Want: http.StatusNotFound},
		{Who: "forceA/supervisor", Request: apptest.Request{Method: http.MethodPost, Path: "/v1/users/" + officerA.ID + "/invite"}, Want: http.StatusForbidden},
		{Who: "schoolA/safeguarding_lead", Request: apptest.Request{Method: http.MethodPost, Path: "/v1/users/" + staffA.ID + "/invite"}, Want: http.StatusCreated},
		{Who: "schoolA/safeguarding_lead", Request: apptest.Request{Method: http.MethodPost, Path: "/v1/users/" + w.Admin.ID + "/invite"}, Want: http.StatusNotFound},
		// Listing users is for managers and supervisors.
		{Who: "forceA/officer", Request: get("/v1/users"), Want: http.StatusForbidden},
		{Who: "schoolA/school_staff", Request: get("/v1/users"), Want: http.StatusForbidden},
		// Organisations: everyone sees their own, only admins change them.
		{Who: "admin", Request: get("/v1/organisations/" + w.SchoolA.ID), Want: http.StatusOK},
		{Who: "schoolA/school_staff", Request: get("/v1/organisations/" + w.SchoolA.ID), Want: http.StatusOK},
		{Who: "schoolB/safeguarding_lead", Request: get("/v1/organisations/" + w.SchoolA.ID), Want: http.StatusNotFound},
		{Who: "forceA/officer", Request: get("/v1/organisations/" + w.SchoolA.ID), Want: http.StatusNotFound},
		{Who: "forceB/officer", Request: get("/v1/organisations/" + w.ForceA.ID), Want: http.StatusNotFound},
		{Who: "schoolA/safeguarding_lead", Request: patch("/v1/organisations/"+w.SchoolA.ID, map[string]any{"name": "X"}), Want: http.StatusForbidden},
		{Who: "admin", Request: patch("/v1/organisations/"+w.SchoolA.ID, map[string]any{"name": "School A renamed"}), Want: http.StatusOK},
		{Who: "forceA/officer", Request: apptest.Request{Method: http.MethodPost, Path: "/v1/organisations",
			Body: map[string]any{"kind": "force", "name": "F", "code": "nope"}}, Want: http.StatusForbidden},
	}
	app.RunMatrix(t, w, rows)

	// Lists are scoped too: school B's lead sees exactly school B's users.
	res := app.Get(t, "/v1/users", w.Who(t, "schoolB/safeguarding_lead").Token)
	var list struct{ Items []struct{ ID, OrgID string } }
	res.Decode(t, &list)
	if len(list.Items) != 2 {
		t.Errorf("school B lead's list: got %d users, want 2", len(list.Items))
	}
	for _, u := range list.Items {
		if u.OrgID != w.SchoolB.ID {
			t.Errorf("school B lead sees user %s of organisation %s", u.ID, u.OrgID)
		}
	}
}

func TestBadListQueries(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	admin := app.Staff(t, "admin", "")
	for _, path := range []string{"/v1/users?limit=0", "/v1/users?limit=101", "/v1/organisations?kind=planet", "/v1/organisations?limit=x"} {
		if res := app.Get(t, path, admin.Token); res.Status != http.StatusBadRequest {
			t.Errorf("%s: got %d, want 400", path, res.Status)
		}
	}
	res := app.Do(t, apptest.Request{Method: http.MethodPost, Path: "/v1/users", Token: admin.Token,
		Body: `{"email":{"$ne":""},"name":"x","role":"admin"}`})
	if res.Status != http.StatusBadRequest {
		t.Errorf("operator in a field: got %d, want 400", res.Status)
	}
	res = app.Do(t, apptest.Request{Method: http.MethodPost, Path: "/v1/users", Token: admin.Token,
		Body: `{"email":"a@b.test","name":"x","role":"admin","tokenVersion":5}`})
	if res.Status != http.StatusBadRequest {
		t.Errorf("mass assignment: got %d, want 400", res.Status)
	}
}
