package handlers_test

import (
	"crypto/rand"
	"fmt"
	mrand "math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"speaksafe/accounts"
	"speaksafe/apptest"
)

// Who may manage whom, written out by hand from the rule (SECURITY 26): an
// admin everyone; a safeguarding lead the leads and school staff of their
// own organisation (their role grants all that those roles grant, and not
// what officers' and supervisors' roles grant); a partner lead the leads
// and practitioners of their own agency; nobody else anyone.
var managedBy = map[string][]string{
	"agencyA/partner_lead":      {"agencyA/partner_lead", "agencyA/partner_practitioner"},
	"agencyB/partner_lead":      {"agencyB/partner_lead", "agencyB/partner_practitioner"},
	"forceA/safeguarding_lead":  {"forceA/safeguarding_lead", "forceA/school_staff"},
	"forceB/safeguarding_lead":  {"forceB/safeguarding_lead", "forceB/school_staff"},
	"schoolA/safeguarding_lead": {"schoolA/safeguarding_lead", "schoolA/school_staff"},
	"schoolB/safeguarding_lead": {"schoolB/safeguarding_lead", "schoolB/school_staff"},
}

// sees reports whether caller may see a user of kind target (another
// person): admins everyone, leads, partner leads and supervisors their
// organisation.
func sees(caller, target string) bool {
	if caller == "admin" {
		return true
	}
	org, role, _ := strings.Cut(caller, "/")
	torg, _, _ := strings.Cut(target, "/")
	return (role == "safeguarding_lead" || role == "supervisor" || role == "partner_lead") && org == torg
}

func manages(caller, target string) bool {
	return caller == "admin" || slices.Contains(managedBy[caller], target)
}

// pairedRole is the role a change-role cell moves a user of role r to: the
// other role of the same organisation kind.
func pairedRole(r string) string {
	return map[string]string{"supervisor": "officer", "officer": "supervisor",
		"safeguarding_lead": "school_staff", "school_staff": "safeguarding_lead", "commissioner": "commissioner",
		"partner_lead": "partner_practitioner", "partner_practitioner": "partner_lead"}[r]
}

// expected is the status caller must get for action on a fresh user of
// kind target.
func expected(caller, action, target string) int {
	_, role, _ := strings.Cut(target, "/")
	switch {
	case !sees(caller, target):
		return http.StatusNotFound
	case !manages(caller, target):
		return http.StatusForbidden
	case action == "change-role" && !manages(caller, strings.Replace(target, role, pairedRole(role), 1)):
		return http.StatusForbidden
	case action == "re-invite-active" && caller != "admin":
		return http.StatusForbidden
	case action == "invite" || action == "re-invite-active":
		return http.StatusCreated
	}
	return http.StatusOK
}

// TestSecurity26RoleRoleActionMatrix has every role of every organisation
// create, invite, re-invite (a password reset when the account is active),
// change the role of and disable a fresh user of every role, in its own
// organisation and in others, and checks each answer against the rule
// written out above.
func TestSecurity26RoleRoleActionMatrix(t *testing.T) {
	t.Parallel()
	app := apptest.New(t, apptest.WithoutWorkers())
	w := app.NewWorld(t)
	callers := []string{"admin"}
	for k := range w.Staff {
		callers = append(callers, k)
	}
	slices.Sort(callers)
	orgs := map[string]string{"forceA": w.ForceA.ID, "schoolA": w.SchoolA.ID, "oversightA": w.OversightA.ID, "agencyA": w.AgencyA.ID, "": ""}
	targets := []string{"forceA/supervisor", "forceA/officer", "forceA/safeguarding_lead", "forceA/school_staff",
		"schoolA/safeguarding_lead", "schoolA/school_staff", "oversightA/commissioner", "agencyA/partner_lead",
		"agencyA/partner_practitioner", "admin"}
	fresh := func(t *testing.T, target string, active bool) string {
		org, role, _ := strings.Cut(target, "/")
		if target == "admin" {
			role = "admin"
		}
		u := app.Staff(t, accounts.Role(role), orgs[org])
		if active { // as if the invite had been accepted
			_, err := app.DB.Collection("users").UpdateOne(t.Context(), bson.D{{Key: "_id", Value: u.ID}},
				bson.D{{Key: "$set", Value: bson.D{{Key: "passwordHash", Value: "$argon2id$v=19$m=8192,t=1,p=1$c2FsdA$aGFzaA"}}}})
			if err != nil {
				t.Fatal(err)
			}
		}
		return u.ID
	}
	for _, caller := range callers {
		t.Run(caller, func(t *testing.T) {
			t.Parallel()
			token := w.Who(t, caller).Token
			for _, target := range targets {
				check := func(action string, res *apptest.Response, want int) {
					t.Helper()
					if res.Status != want {
						t.Errorf("%s %s a %s: got %d, want %d; %s", caller, action, target, res.Status, want, res.Body)
					}
				}
				check("creates", createAs(t, app, token, target, orgs), expectedCreate(caller, target))
				id := fresh(t, target, false)
				check("invites", app.Post(t, "/v1/users/"+id+"/invite", token, nil), expected(caller, "invite", target))
				id = fresh(t, target, true)
				check("resets", app.Post(t, "/v1/users/"+id+"/invite", token, nil), expected(caller, "re-invite-active", target))
				if target != "admin" {
					_, role, _ := strings.Cut(target, "/")
					id = fresh(t, target, false)
					check("changes the role of", patchUser(t, app, token, id, map[string]any{"role": pairedRole(role)}),
						expected(caller, "change-role", target))
				}
				id = fresh(t, target, false)
				check("disables", patchUser(t, app, token, id, map[string]any{"disabled": true}), expected(caller, "disable", target))
			}
		})
	}
}

// expectedCreate is the status caller must get creating a user of kind
// target: only managers may create; an organisation they cannot see is 400
// (as one that does not exist), a role they do not cover 403.
func expectedCreate(caller, target string) int {
	_, role, _ := strings.Cut(caller, "/")
	torg, _, _ := strings.Cut(target, "/")
	corg, _, _ := strings.Cut(caller, "/")
	switch {
	case caller == "admin":
		return http.StatusCreated
	case role == "commissioner": // figures only: no user route exists for it
		return http.StatusNotFound
	case role != "safeguarding_lead" && role != "partner_lead":
		return http.StatusForbidden
	case target != "admin" && torg != corg:
		return http.StatusBadRequest
	case !manages(caller, target):
		return http.StatusForbidden
	}
	return http.StatusCreated
}

func createAs(t *testing.T, app *apptest.App, token, target string, orgs map[string]string) *apptest.Response {
	t.Helper()
	org, role, _ := strings.Cut(target, "/")
	body := map[string]string{"email": "new-" + randomSuffix() + "@example.test", "name": "New", "role": role}
	if target == "admin" {
		body["role"] = "admin"
	} else {
		body["orgId"] = orgs[org]
	}
	return app.Post(t, "/v1/users", token, body)
}

func patchUser(t *testing.T, app *apptest.App, token, id string, body map[string]any) *apptest.Response {
	t.Helper()
	return app.Do(t, apptest.Request{Method: http.MethodPatch, Path: "/v1/users/" + id, Token: token, Body: body})
}

// randomSuffix makes an email address unique.
func randomSuffix() string { return strings.ToLower(rand.Text()[:12]) }

// createUser creates a user as admin over HTTP; active users accept their
// invite, so that they have a password.
func createUser(t *testing.T, app *apptest.App, adminToken, role, orgID string, active bool) string {
	t.Helper()
	body := map[string]string{"email": "u-" + randomSuffix() + "@example.test", "name": "Target", "role": role}
	if orgID != "" {
		body["orgId"] = orgID
	}
	res := app.Post(t, "/v1/users", adminToken, body)
	if res.Status != http.StatusCreated {
		t.Fatalf("create %s: got %d; %s", role, res.Status, res.Body)
	}
	var u struct{ ID, InviteToken string }
	res.Decode(t, &u)
	if active {
		// Each from its own address: invite acceptance is limited per client.
		res = app.Do(t, apptest.Request{Method: http.MethodPost, Path: "/v1/auth/invite/accept",
			Header: map[string]string{"X-Forwarded-For": "2001:db8:" + fmt.Sprintf("%x", mrand.IntN(65536)) + "::1"},
			Body:   map[string]string{"inviteToken": u.InviteToken, "password": "a long password 1"}})
		if res.Status != http.StatusNoContent {
			t.Fatalf("accept: got %d; %s", res.Status, res.Body)
		}
	}
	return u.ID
}

// TestForceLeadCannotMakeItselfAnOfficer replays the attack: a force's
// safeguarding lead, who may not read cases, tries to create an officer or
// a supervisor and sign in as it, to promote a lead it created, and to take
// over or disable the force's supervisor. Every step is refused and no
// account able to read cases comes of it.
func TestForceLeadCannotMakeItselfAnOfficer(t *testing.T) {
	t.Parallel()
	app := apptest.New(t, apptest.WithConfig(withAdmin))
	admin := login(t, app, adminEmail, adminPassword)
	force := app.CreateForce(t, "")
	invite(t, app, admin.AccessToken, "lead@force.test", "safeguarding_lead", force.ID, "lead password 123")
	supervisor := invite(t, app, admin.AccessToken, "sup@force.test", "supervisor", force.ID, "supervisor password")
	lead := login(t, app, "lead@force.test", "lead password 123")

	for _, role := range []string{"officer", "supervisor", "admin"} {
		res := app.Post(t, "/v1/users", lead.AccessToken, map[string]string{"email": role + "@evil.test", "name": "Me", "role": role, "orgId": force.ID})
		if res.Status != http.StatusForbidden {
			t.Errorf("lead creating a %s: got %d, want 403; %s", role, res.Status, res.Body)
		}
		if strings.Contains(string(res.Body), "inviteToken") {
			t.Errorf("lead creating a %s got an invite token", role)
		}
	}
	// A lead it may create cannot be promoted by it.
	sock := invite(t, app, lead.AccessToken, "sock@evil.test", "safeguarding_lead", force.ID, "sock password 12")
	if res := patchUser(t, app, lead.AccessToken, sock, map[string]any{"role": "officer"}); res.Status != http.StatusForbidden {
		t.Errorf("lead promoting its lead to officer: got %d, want 403", res.Status)
	}
	if res := app.Post(t, "/v1/users/"+supervisor+"/invite", lead.AccessToken, nil); res.Status != http.StatusForbidden {
		t.Errorf("lead re-inviting the supervisor: got %d, want 403", res.Status)
	}
	if res := patchUser(t, app, lead.AccessToken, supervisor, map[string]any{"disabled": true}); res.Status != http.StatusForbidden {
		t.Errorf("lead disabling the supervisor: got %d, want 403", res.Status)
	}
	// The supervisor still signs in; the lead's sock puppet reads no case.
	login(t, app, "sup@force.test", "supervisor password")
	sockSession := login(t, app, "sock@evil.test", "sock password 12")
	if res := app.Get(t, "/v1/cases", sockSession.AccessToken); res.Status == http.StatusOK {
		t.Errorf("the lead's own lead reading the case queue: got 200, want a refusal")
	}
	res := app.Get(t, "/v1/users?role=officer", admin.AccessToken)
	var list struct{ Items []struct{ ID string } }
	res.Decode(t, &list)
	if len(list.Items) != 0 {
		t.Errorf("got %d officers, want none", len(list.Items))
	}
}

// TestRoleRightsMatchRoutes checks the rights the rule compares against
// what the routes allow: if role a's rights are a subset of role b's, every
// route a may call b may call too. Otherwise a role that "covers" another
// could create a user who can do what it cannot.
func TestRoleRightsMatchRoutes(t *testing.T) {
	t.Parallel()
	app := apptest.New(t, apptest.WithoutWorkers())
	roles := []accounts.Role{accounts.RoleAdmin, accounts.RoleSupervisor, accounts.RoleOfficer,
		accounts.RoleSafeguardingLead, accounts.RoleSchoolStaff, accounts.RoleCommissioner,
		accounts.RolePartnerPractitioner, accounts.RolePartnerLead}
	for route, p := range app.Router.Policies() {
		for _, a := range roles {
			// Admins are excepted from the rule: they manage everyone,
			// whether or not their routes match.
			for _, b := range roles[1:] {
				if b.Covers(a) && p.Allows(a) && !p.Allows(b) {
					t.Errorf("%s: %s may call it but %s, whose rights include all of %s's, may not", route, a, b, a)
				}
			}
		}
	}
	if accounts.RoleSafeguardingLead.Covers(accounts.RoleOfficer) || accounts.RoleSafeguardingLead.Covers(accounts.RoleSupervisor) {
		t.Errorf("a safeguarding lead covers officers or supervisors")
	}
	for _, r := range roles[1:5] {
		if accounts.RolePartnerLead.Covers(r) {
			t.Errorf("a partner lead covers %s", r)
		}
	}
}

// TestUserAndOrganisationChangesAreAudited (SECURITY 21, 26): creating and
// renaming organisations, creating users, re-inviting, resetting, changing
// roles and disabling each leave an audit entry; the reset of an active
// account kills its password, access and refresh tokens and devices.
func TestUserAndOrganisationChangesAreAudited(t *testing.T) {
	t.Parallel()
	app := apptest.New(t, apptest.WithConfig(withAdmin))
	admin := login(t, app, adminEmail, adminPassword)
	res := app.Post(t, "/v1/organisations", admin.AccessToken, map[string]string{"kind": "force", "name": "Audit Police", "code": "audit-" + randomSuffix()})
	var force struct{ ID string }
	res.Decode(t, &force)
	if res := app.Do(t, apptest.Request{Method: http.MethodPatch, Path: "/v1/organisations/" + force.ID, Token: admin.AccessToken,
		Body: map[string]any{"name": "Audit Constabulary"}}); res.Status != http.StatusOK {
		t.Fatalf("rename: got %d", res.Status)
	}
	pending := createUser(t, app, admin.AccessToken, "officer", force.ID, false)
	active := invite(t, app, admin.AccessToken, "active@audit.test", "supervisor", force.ID, "supervisor password")
	held := login(t, app, "active@audit.test", "supervisor password")
	if res := app.Post(t, "/v1/me/devices", held.AccessToken, map[string]string{"token": "fcm-token-of-the-supervisor-phone", "platform": "android"}); res.Status >= 300 {
		t.Fatalf("register device: got %d; %s", res.Status, res.Body)
	}
	for _, step := range []*apptest.Response{
		app.Post(t, "/v1/users/"+pending+"/invite", admin.AccessToken, nil),
		app.Post(t, "/v1/users/"+active+"/invite", admin.AccessToken, nil),
		patchUser(t, app, admin.AccessToken, pending, map[string]any{"role": "supervisor"}),
		patchUser(t, app, admin.AccessToken, pending, map[string]any{"disabled": true}),
	} {
		if step.Status >= 300 {
			t.Fatalf("got %d; %s", step.Status, step.Body)
		}
	}
	// The reset of the active account killed its password, tokens and devices.
	if res := app.Post(t, "/v1/auth/login", "", map[string]string{"email": "active@audit.test", "password": "supervisor password"}); res.Status != http.StatusUnauthorized {
		t.Errorf("the old password after a reset: got %d, want 401", res.Status)
	}
	if res := app.Get(t, "/v1/me", held.AccessToken); res.Status != http.StatusUnauthorized {
		t.Errorf("an access token after a reset: got %d, want 401", res.Status)
	}
	if res := app.Post(t, "/v1/auth/refresh", "", map[string]string{"refreshToken": held.RefreshToken}); res.Status != http.StatusUnauthorized {
		t.Errorf("a refresh token after a reset: got %d, want 401", res.Status)
	}
	if n, err := app.DB.Collection("devices").CountDocuments(t.Context(), bson.D{{Key: "userId", Value: active}}); err != nil || n != 0 {
		t.Errorf("devices after a reset: got %d (%v), want none", n, err)
	}
	actions := auditActions(t, app)
	for _, want := range []string{"organisation.create", "organisation.update", "user.create", "user.invite_reissued",
		"user.password_reset", "user.update"} {
		if !strings.Contains(actions, want+" ") {
			t.Errorf("audit log lacks %s: %s", want, actions)
		}
	}
}
