package handlers_test

import (
	"net/http"
	"testing"

	"speaksafe/accounts"
	"speaksafe/apptest"
	"speaksafe/server"
)

const (
	adminEmail    = "root@example.test"
	adminPassword = "correct horse battery staple"
)

func withAdmin(c *server.Config) {
	c.BootstrapAdminEmail = adminEmail
	c.BootstrapAdminPassword = adminPassword
}

type session struct {
	AccessToken          string   `json:"accessToken"`
	RefreshToken         string   `json:"refreshToken"`
	ExpiresIn            int      `json:"expiresIn"`
	MFAEnrolmentRequired bool     `json:"mfaEnrolmentRequired"`
	EnrolmentToken       string   `json:"enrolmentToken"`
	RecoveryCodes        []string `json:"recoveryCodes"`
}

func login(t *testing.T, app *apptest.App, email, password string) session {
	t.Helper()
	res := app.Post(t, "/v1/auth/login", "", map[string]string{"email": email, "password": password})
	if res.Status != http.StatusOK {
		t.Fatalf("login %s: got status %d, want 200; body %s", email, res.Status, res.Body)
	}
	var s session
	res.Decode(t, &s)
	return s
}

// invite creates a user as creator and sets their password through the
// invite, as a new member of staff would.
func invite(t *testing.T, app *apptest.App, creator, email, role, orgID, password string) string {
	t.Helper()
	res := app.Post(t, "/v1/users", creator, map[string]string{"email": email, "name": "New Person", "role": role, "orgId": orgID})
	if res.Status != http.StatusCreated {
		t.Fatalf("create user: got status %d, want 201; body %s", res.Status, res.Body)
	}
	var u struct {
		ID          string `json:"id"`
		InviteToken string `json:"inviteToken"`
	}
	res.Decode(t, &u)
	res = app.Post(t, "/v1/auth/invite/accept", "", map[string]string{"inviteToken": u.InviteToken, "password": password})
	if res.Status != http.StatusNoContent {
		t.Fatalf("accept invite: got status %d, want 204; body %s", res.Status, res.Body)
	}
	res = app.Post(t, "/v1/auth/invite/accept", "", map[string]string{"inviteToken": u.InviteToken, "password": password + "x"})
	if res.Status != http.StatusUnauthorized {
		t.Fatalf("second use of invite: got status %d, want 401", res.Status)
	}
	return u.ID
}

func TestBootstrapAdminSetsUpOrganisationsAndUsers(t *testing.T) {
	t.Parallel()
	app := apptest.New(t, apptest.WithConfig(withAdmin))
	admin := login(t, app, adminEmail, adminPassword)
	if admin.AccessToken == "" || admin.RefreshToken == "" || admin.ExpiresIn != 900 {
		t.Fatalf("got session %+v, want tokens valid 900 s", admin)
	}
	res := app.Post(t, "/v1/organisations", admin.AccessToken, map[string]string{"kind": "force", "name": "Dorset Police", "code": "Dorset"})
	if res.Status != http.StatusCreated {
		t.Fatalf("create force: got %d, want 201; %s", res.Status, res.Body)
	}
	var force struct{ ID, Code string }
	res.Decode(t, &force)
	if force.Code != "dorset" {
		t.Errorf("got code %q, want dorset (normalised)", force.Code)
	}
	res = app.Post(t, "/v1/organisations", admin.AccessToken, map[string]string{"kind": "force", "name": "Again", "code": "dorset"})
	if res.Status != http.StatusConflict {
		t.Errorf("duplicate code: got %d, want 409", res.Status)
	}
	res = app.Post(t, "/v1/organisations", admin.AccessToken, map[string]string{"kind": "school", "name": "Poole High", "code": "poole-high", "forceId": force.ID})
	if res.Status != http.StatusCreated {
		t.Fatalf("create school: got %d, want 201; %s", res.Status, res.Body)
	}
	var school struct{ ID string }
	res.Decode(t, &school)

	invite(t, app, admin.AccessToken, "lead@poole.test", "safeguarding_lead", school.ID, "lead password 123")
	lead := login(t, app, "LEAD@poole.test", "lead password 123")
	// The lead manages their own school's staff, and nobody else's.
	invite(t, app, lead.AccessToken, "teacher@poole.test", "school_staff", school.ID, "teacher password 1")
	res = app.Post(t, "/v1/users", lead.AccessToken, map[string]string{"email": "x@x.test", "name": "X", "role": "officer", "orgId": force.ID})
	if res.Status != http.StatusBadRequest {
		t.Errorf("lead creating in another organisation: got %d, want 400 (no such organisation)", res.Status)
	}
	res = app.Post(t, "/v1/users", lead.AccessToken, map[string]string{"email": "y@x.test", "name": "Y", "role": "admin", "orgId": school.ID})
	if res.Status != http.StatusForbidden {
		t.Errorf("lead creating an admin: got %d, want 403", res.Status)
	}
	res = app.Post(t, "/v1/users", admin.AccessToken, map[string]string{"email": "lead@poole.test", "name": "Dup", "role": "school_staff", "orgId": school.ID})
	if res.Status != http.StatusConflict {
		t.Errorf("duplicate email: got %d, want 409", res.Status)
	}
	res = app.Get(t, "/v1/me", lead.AccessToken)
	var me struct{ Role, OrgID, OrgKind, ForceID string }
	res.Decode(t, &me)
	if me.Role != "safeguarding_lead" || me.OrgID != school.ID || me.ForceID != force.ID {
		t.Errorf("got me %+v, want lead of %s in force %s", me, school.ID, force.ID)
	}
	res = app.Get(t, "/v1/organisations/"+force.ID, lead.AccessToken)
	if res.Status != http.StatusNotFound {
		t.Errorf("lead reading the force: got %d, want 404", res.Status)
	}
	res = app.Get(t, "/v1/organisations", lead.AccessToken)
	var orgs struct{ Items []struct{ ID string } }
	res.Decode(t, &orgs)
	if len(orgs.Items) != 1 || orgs.Items[0].ID != school.ID {
		t.Errorf("lead's organisations: got %+v, want only %s", orgs.Items, school.ID)
	}
}

func TestBootstrapIsIdempotent(t *testing.T) {
	t.Parallel()
	first := apptest.New(t, apptest.WithConfig(withAdmin))
	// A second instance on the same database with another password changes
	// nothing: the first password still works, the second does not.
	apptest.New(t, apptest.WithDatabase(first.DB), apptest.WithConfig(func(c *server.Config) {
		c.BootstrapAdminEmail = adminEmail
		c.BootstrapAdminPassword = "a different password"
	}))
	login(t, first, adminEmail, adminPassword)
	res := first.Post(t, "/v1/auth/login", "", map[string]string{"email": adminEmail, "password": "a different password"})
	if res.Status != http.StatusUnauthorized {
		t.Errorf("second bootstrap's password: got %d, want 401", res.Status)
	}
	admin := login(t, first, adminEmail, adminPassword)
	res = first.Get(t, "/v1/users?role=admin", admin.AccessToken)
	var list struct{ Items []struct{ ID string } }
	res.Decode(t, &list)
	if len(list.Items) != 1 {
		t.Errorf("got %d admins, want 1", len(list.Items))
	}
}

func TestLoginFailuresAreUniform(t *testing.T) {
	t.Parallel()
	app := apptest.New(t, apptest.WithConfig(withAdmin))
	admin := login(t, app, adminEmail, adminPassword)
	force := app.CreateForce(t, "")
	invite(t, app, admin.AccessToken, "off@force.test", "officer", force.ID, "officer password")
	pending := app.Staff(t, accounts.RoleOfficer, force.ID) // invited, no password yet
	disabled := invite(t, app, admin.AccessToken, "gone@force.test", "officer", force.ID, "gone password 12")
	res := app.Do(t, apptest.Request{Method: http.MethodPatch, Path: "/v1/users/" + disabled, Token: admin.AccessToken,
		Body: map[string]any{"disabled": true}})
	if res.Status != http.StatusOK {
		t.Fatalf("disable: got %d; %s", res.Status, res.Body)
	}
	cases := []struct{ name, email, password string }{
		{"unknown email", "nobody@force.test", "officer password"},
		{"wrong password", "off@force.test", "officer passwort"},
		{"no password yet", pending.Email, ""},
		{"disabled", "gone@force.test", "gone password 12"},
	}
	var want string
	for _, tc := range cases {
		res := app.Post(t, "/v1/auth/login", "", map[string]string{"email": tc.email, "password": tc.password})
		if res.Status != http.StatusUnauthorized {
			t.Errorf("%s: got status %d, want 401", tc.name, res.Status)
		}
		var p struct{ Type, Title, Detail string }
		res.Decode(t, &p)
		got := p.Type + "|" + p.Title + "|" + p.Detail
		if want == "" {
			want = got
		} else if got != want {
			t.Errorf("%s: got problem %q, want the same as the others %q", tc.name, got, want)
		}
	}
}
