package handlers_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"speaksafe/accounts"
	"speaksafe/apptest"
	"speaksafe/server"
)

// TestPartnerIsolationMatrix (SECURITY 6): a partner sees only what was
// shared with their agency. Every case, alert, on-call, user and
// organisation object of a force, a school or another agency is 404 to
// them, as is another agency's referral; their own agency's referral and
// users (for a lead) are not.
func TestPartnerIsolationMatrix(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	w := app.NewWorld(t)
	sup := w.Who(t, "forceA/supervisor")
	routine := routineCase(t, app, w.ForceA.Code, "routine")
	urgent := urgentAlert(t, app, w) // the alert id is its case's id
	refA := refer(t, app, sup.Token, routine, referralBody("standard", []string{w.AgencyA.ID}))
	refB := refer(t, app, w.Who(t, "forceB/supervisor").Token, routineCase(t, app, w.ForceB.Code, "b"),
		referralBody("standard", []string{w.AgencyB.ID}))
	policy := map[string]any{"name": "Force A", "tiers": []map[string]any{
		{"userIds": []string{sup.ID}, "delaySeconds": 60},
		{"webhook": map[string]string{"url": "https://control-room.example/hook"}, "delaySeconds": 60}}}
	var pol struct{ ID string }
	app.Post(t, "/v1/oncall/policies", sup.Token, policy).Decode(t, &pol)

	get := func(path string) apptest.Request { return apptest.Request{Method: http.MethodGet, Path: path} }
	post := func(path string, body any) apptest.Request {
		return apptest.Request{Method: http.MethodPost, Path: path, Body: body}
	}
	hidden := []apptest.Request{
		get("/v1/cases"), get("/v1/cases/" + routine), get("/v1/cases/" + urgent),
		get("/v1/cases/" + routine + "/referrals"), get("/v1/cases/" + routine + "/history"),
		post("/v1/cases/"+routine+"/referrals", referralBody("standard", []string{w.AgencyA.ID})),
		post("/v1/cases/"+routine+"/notes", map[string]string{"body": "n"}),
		get("/v1/alerts/" + urgent), post("/v1/alerts/"+urgent+"/ack", nil), post("/v1/alerts/"+urgent+"/received", nil),
		get("/v1/users/" + sup.ID), get("/v1/users/" + w.Who(t, "schoolA/safeguarding_lead").ID),
		get("/v1/users/" + w.Who(t, "agencyB/partner_practitioner").ID),
		{Method: http.MethodPatch, Path: "/v1/users/" + w.Who(t, "forceA/officer").ID, Body: map[string]any{"disabled": true}},
		post("/v1/users/"+w.Who(t, "agencyB/partner_lead").ID+"/invite", nil),
		get("/v1/organisations/" + w.ForceA.ID), get("/v1/organisations/" + w.SchoolA.ID), get("/v1/organisations/" + w.AgencyB.ID),
		get("/v1/referrals/" + refB.ID), post("/v1/referrals/"+refB.ID+"/acknowledge", nil),
		post("/v1/referrals/"+refB.ID+"/decision", map[string]string{"decision": "early_help", "outcome": "x"}),
		post("/v1/referrals/"+refB.ID+"/questions", map[string]string{"text": "q"}),
		post("/v1/referrals/"+refA.ID+"/answers", map[string]any{"question": 1, "text": "only the force answers"}),
	}
	var rows []apptest.MatrixRow
	for _, who := range []string{"agencyA/partner_practitioner", "agencyA/partner_lead"} {
		for _, req := range hidden {
			rows = append(rows, apptest.MatrixRow{Who: who, Request: req, Want: http.StatusNotFound})
		}
		rows = append(rows, apptest.MatrixRow{Who: who, Request: get("/v1/referrals/" + refA.ID), Want: http.StatusOK},
			apptest.MatrixRow{Who: who, Request: get("/v1/organisations/" + w.AgencyA.ID), Want: http.StatusOK})
	}
	rows = append(rows,
		apptest.MatrixRow{Who: "agencyA/partner_lead", Request: apptest.Request{Method: http.MethodPut, Path: "/v1/oncall/policies/" + pol.ID + "/default"}, Want: http.StatusNotFound},
		apptest.MatrixRow{Who: "agencyA/partner_lead", Request: get("/v1/users/" + w.Who(t, "agencyA/partner_practitioner").ID), Want: http.StatusOK},
		apptest.MatrixRow{Who: "agencyA/partner_practitioner", Request: get("/v1/users/" + w.Who(t, "agencyA/partner_lead").ID), Want: http.StatusNotFound},
		// The other side: others never reach agency A's referral.
		apptest.MatrixRow{Who: "forceB/officer", Request: get("/v1/referrals/" + refA.ID), Want: http.StatusNotFound},
		apptest.MatrixRow{Who: "agencyB/partner_lead", Request: get("/v1/referrals/" + refA.ID), Want: http.StatusNotFound},
		apptest.MatrixRow{Who: "forceA/officer", Request: post("/v1/referrals/"+refA.ID+"/acknowledge", nil), Want: http.StatusNotFound},
		apptest.MatrixRow{Who: "forceA/officer", Request: get("/v1/referrals/" + refA.ID), Want: http.StatusOK},
		apptest.MatrixRow{Who: "schoolA/safeguarding_lead", Request: get("/v1/referrals/" + refA.ID), Want: http.StatusForbidden},
	)
	app.RunMatrix(t, w, rows)

	// Lists hold nothing of others: alerts, rotations and policies of
	// force A, and agency B's referrals, are absent from agency A's lists;
	// the only organisation it lists is itself (which names its force).
	for _, who := range []string{"agencyA/partner_practitioner", "agencyA/partner_lead"} {
		tok := w.Who(t, who).Token
		for _, path := range []string{"/v1/alerts", "/v1/oncall/rotations", "/v1/oncall/policies", "/v1/referrals", "/v1/organisations"} {
			res := app.Get(t, path, tok)
			body := string(res.Body)
			if res.Status != http.StatusOK || strings.Contains(body, urgent) || strings.Contains(body, pol.ID) ||
				strings.Contains(body, refB.ID) || strings.Contains(body, w.SchoolA.ID) || strings.Contains(body, w.AgencyB.ID) ||
				(path != "/v1/organisations" && strings.Contains(body, w.ForceA.ID)) {
				t.Errorf("%s %s: got %d %s", who, path, res.Status, body)
			}
		}
	}
	var orgs struct{ Items []struct{ ID string } }
	app.Get(t, "/v1/organisations", w.Who(t, "agencyA/partner_lead").Token).Decode(t, &orgs)
	if len(orgs.Items) != 1 || orgs.Items[0].ID != w.AgencyA.ID {
		t.Errorf("agency A's lead lists organisations %+v, want agency A only", orgs.Items)
	}
	var users struct{ Items []struct{ OrgID string } }
	app.Get(t, "/v1/users", w.Who(t, "agencyA/partner_lead").Token).Decode(t, &users)
	for _, u := range users.Items {
		if u.OrgID != w.AgencyA.ID {
			t.Errorf("agency A's lead lists a user of %s", u.OrgID)
		}
	}
}

// Agencies are created by admins only, with a listed type and one or more
// forces that must be forces.
func TestAgencyOrganisations(t *testing.T) {
	t.Parallel()
	app := apptest.New(t, apptest.WithoutWorkers())
	w := app.NewWorld(t)
	admin := w.Admin.Token
	agency := func(typ string, forces ...string) map[string]any {
		return map[string]any{"kind": "agency", "name": "Sandwell MASH", "code": "mash-" + randomSuffix(), "agencyType": typ, "forceIds": forces}
	}
	for name, body := range map[string]map[string]any{
		"a school as its force": agency("health", w.SchoolA.ID),
		"no force":              agency("health"),
		"an unknown type":       agency("police", w.ForceA.ID),
		"a force with a type":   {"kind": "force", "name": "F", "code": "f-" + randomSuffix(), "agencyType": "health"},
	} {
		if res := app.Post(t, "/v1/organisations", admin, body); res.Status != http.StatusBadRequest {
			t.Errorf("%s: got %d, want 400; %s", name, res.Status, res.Body)
		}
	}
	res := app.Post(t, "/v1/organisations", admin, agency("youth_justice", w.ForceA.ID, w.ForceB.ID))
	var o struct {
		ID, Kind, AgencyType string
		ForceIDs             []string
	}
	res.Decode(t, &o)
	if res.Status != http.StatusCreated || o.Kind != "agency" || o.AgencyType != "youth_justice" || len(o.ForceIDs) != 2 {
		t.Fatalf("create agency: got %d %s", res.Status, res.Body)
	}
	if res := app.Post(t, "/v1/organisations", w.Who(t, "agencyA/partner_lead").Token, agency("health", w.ForceA.ID)); res.Status != http.StatusForbidden {
		t.Errorf("a partner lead creating an agency: got %d, want 403", res.Status)
	}
	// Both forces now see it among the agencies they may refer to.
	for _, key := range []string{"forceA/officer", "forceB/supervisor"} {
		res := app.Get(t, "/v1/agencies", w.Who(t, key).Token)
		if !strings.Contains(string(res.Body), o.ID) {
			t.Errorf("%s's agencies lack the new agency: %s", key, res.Body)
		}
	}
	// Partner roles belong to agencies only, and agencies hold no other role.
	for _, c := range []struct{ role, org string }{{"partner_lead", w.ForceA.ID}, {"officer", o.ID}, {"school_staff", o.ID}} {
		body := map[string]string{"email": "x-" + randomSuffix() + "@example.test", "name": "X", "role": c.role, "orgId": c.org}
		if res := app.Post(t, "/v1/users", admin, body); res.Status != http.StatusBadRequest {
			t.Errorf("a %s in %s: got %d, want 400", c.role, c.org, res.Status)
		}
	}
}

// Partners sign in with TOTP where production requires it: with the
// production default of MFA_REQUIRED_ROLES, a partner lead and a
// practitioner get only an enrolment token at first sign-in.
func TestPartnersNeedMFAUnderTheProductionDefault(t *testing.T) {
	t.Parallel()
	prod, err := server.LoadConfig(func(k string) string { return map[string]string{"SPEAKSAFE_MODE": "production"}[k] })
	if err != nil {
		t.Fatal(err)
	}
	// The admin who creates the partners signs in without a factor here.
	roles := slices.DeleteFunc(slices.Clone(prod.MFARequiredRoles), func(r string) bool { return r == "admin" })
	app := apptest.New(t, apptest.WithConfig(withAdmin), apptest.WithConfig(func(c *server.Config) { c.MFARequiredRoles = roles }))
	admin := login(t, app, adminEmail, adminPassword)
	agency := app.CreateAgency(t, "MASH", accounts.AgencyChildrensSocialCare, app.CreateForce(t, "").ID)
	for _, role := range []string{"partner_lead", "partner_practitioner"} {
		email := strings.ReplaceAll(role, "_", "-") + "@mash.test"
		invite(t, app, admin.AccessToken, email, role, agency.ID, "partner password 1")
		s := login(t, app, email, "partner password 1")
		if s.AccessToken != "" || !s.MFAEnrolmentRequired || s.EnrolmentToken == "" {
			t.Errorf("%s first sign-in: got %+v, want only an enrolment token", role, s)
		}
	}
}
