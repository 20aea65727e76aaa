package handlers_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"speaksafe/apptest"
	"speaksafe/server"
)

func TestRequiredMFAEnrolmentAndSignIn(t *testing.T) {
	t.Parallel()
	app := apptest.New(t, apptest.WithConfig(withAdmin), apptest.WithConfig(func(c *server.Config) {
		c.MFARequiredRoles = []string{"officer"}
	}))
	admin := login(t, app, adminEmail, adminPassword) // admins are not bound here
	force := app.CreateForce(t, "")
	invite(t, app, admin.AccessToken, "mfa@force.test", "officer", force.ID, "officer password")

	first := login(t, app, "mfa@force.test", "officer password")
	if first.AccessToken != "" || first.RefreshToken != "" || !first.MFAEnrolmentRequired || first.EnrolmentToken == "" {
		t.Fatalf("got %+v, want only an enrolment token", first)
	}
	if res := app.Get(t, "/v1/me", first.EnrolmentToken); res.Status != http.StatusUnauthorized {
		t.Errorf("enrolment token as access token: got %d, want 401", res.Status)
	}
	res := app.Post(t, "/v1/auth/mfa/totp", "", map[string]string{"enrolmentToken": first.EnrolmentToken})
	if res.Status != http.StatusOK {
		t.Fatalf("enrol: got %d; %s", res.Status, res.Body)
	}
	var e struct{ Secret, OtpauthURI string }
	res.Decode(t, &e)
	res = app.Post(t, "/v1/auth/mfa/totp/confirm", "", map[string]string{"enrolmentToken": first.EnrolmentToken, "code": "000000"})
	if res.Status != http.StatusBadRequest {
		t.Errorf("wrong confirmation code: got %d, want 400", res.Status)
	}
	code, _ := totp.GenerateCode(e.Secret, time.Now())
	res = app.Post(t, "/v1/auth/mfa/totp/confirm", "", map[string]string{"enrolmentToken": first.EnrolmentToken, "code": code})
	if res.Status != http.StatusOK {
		t.Fatalf("confirm: got %d; %s", res.Status, res.Body)
	}
	var enrolled session
	res.Decode(t, &enrolled)
	if enrolled.AccessToken == "" || len(enrolled.RecoveryCodes) != 10 {
		t.Fatalf("got %+v, want tokens and 10 recovery codes", enrolled)
	}
	if res := app.Get(t, "/v1/me", enrolled.AccessToken); res.Status != http.StatusOK {
		t.Errorf("access after enrolment: got %d, want 200", res.Status)
	}

	try := func(extra map[string]string) int {
		body := map[string]string{"email": "mfa@force.test", "password": "officer password"}
		for k, v := range extra {
			body[k] = v
		}
		return app.Post(t, "/v1/auth/login", "", body).Status
	}
	if got := try(nil); got != http.StatusBadRequest {
		t.Errorf("no code: got %d, want 400 asking for totpCode", got)
	}
	if got := try(map[string]string{"totpCode": code}); got != http.StatusUnauthorized {
		t.Errorf("replayed code of a spent step: got %d, want 401", got)
	}
	next, _ := totp.GenerateCode(e.Secret, time.Now().Add(30*time.Second))
	if got := try(map[string]string{"totpCode": next}); got != http.StatusOK {
		t.Errorf("fresh code: got %d, want 200", got)
	}
	rc := enrolled.RecoveryCodes[3]
	if got := try(map[string]string{"recoveryCode": rc}); got != http.StatusOK {
		t.Errorf("recovery code: got %d, want 200", got)
	}
	if got := try(map[string]string{"recoveryCode": rc}); got != http.StatusUnauthorized {
		t.Errorf("recovery code used twice: got %d, want 401", got)
	}
	// The secret is sealed: the raw user document does not hold it.
	var raw struct {
		TOTP struct {
			Secret string `bson:"secret"`
		} `bson:"totp"`
	}
	_ = app.DB.Collection("users").FindOne(t.Context(), map[string]any{"email": "mfa@force.test"}).Decode(&raw)
	if raw.TOTP.Secret == "" || raw.TOTP.Secret == e.Secret {
		t.Errorf("stored TOTP secret is missing or in plain text")
	}
}

// stepUp confirms the password of the holder of token (and a TOTP code
// when code is set) and answers the step-up token.
func stepUp(t *testing.T, app *apptest.App, token, password, code string) string {
	t.Helper()
	body := map[string]string{"password": password}
	if code != "" {
		body["totpCode"] = code
	}
	res := app.Post(t, "/v1/me/step-up", token, body)
	if res.Status != http.StatusOK {
		t.Fatalf("step-up: got %d; %s", res.Status, res.Body)
	}
	var s struct {
		StepUpToken string
		ExpiresIn   int
	}
	res.Decode(t, &s)
	if s.StepUpToken == "" || s.ExpiresIn != 300 {
		t.Fatalf("step-up: got %+v, want a token for 300 s", s)
	}
	return s.StepUpToken
}

// TestMFAChangesNeedAFreshPassword (SECURITY 4): with only an access token
// nobody can enrol, confirm, regenerate codes for or remove a second
// factor; a step-up (password, and code once enrolled) lasts five minutes;
// every change is audited.
func TestMFAChangesNeedAFreshPassword(t *testing.T) {
	t.Parallel()
	clock := apptest.NewClock(time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC))
	app := apptest.New(t, apptest.WithConfig(withAdmin), apptest.WithClock(clock))
	admin := login(t, app, adminEmail, adminPassword)
	school := app.CreateSchool(t, app.CreateForce(t, "").ID, "Enrol School")
	const pw = "staff password 123"
	invite(t, app, admin.AccessToken, "staff@school.test", "school_staff", school.ID, pw)
	staff := login(t, app, "staff@school.test", pw)

	for name, body := range map[string]any{"none": map[string]string{}, "forged": map[string]string{"stepUpToken": admin.AccessToken}} {
		if res := app.Post(t, "/v1/me/mfa/totp", staff.AccessToken, body); res.Status != http.StatusBadRequest {
			t.Errorf("enrol with %s step-up: got %d, want 400", name, res.Status)
		}
	}
	if res := app.Post(t, "/v1/me/step-up", staff.AccessToken, map[string]string{"password": "wrong password 12"}); res.Status != http.StatusBadRequest {
		t.Errorf("step-up with a wrong password: got %d, want 400", res.Status)
	}
	up := stepUp(t, app, staff.AccessToken, pw, "")
	res := app.Post(t, "/v1/me/mfa/totp", staff.AccessToken, map[string]string{"stepUpToken": up})
	if res.Status != http.StatusOK {
		t.Fatalf("enrol: got %d; %s", res.Status, res.Body)
	}
	var e struct{ Secret string }
	res.Decode(t, &e)
	code, _ := totp.GenerateCode(e.Secret, clock.Now())
	if res := app.Post(t, "/v1/me/mfa/totp/confirm", staff.AccessToken, map[string]string{"code": code}); res.Status != http.StatusBadRequest {
		t.Errorf("confirm without step-up: got %d, want 400", res.Status)
	}
	res = app.Post(t, "/v1/me/mfa/totp/confirm", staff.AccessToken, map[string]string{"code": code, "stepUpToken": up})
	if res.Status != http.StatusOK {
		t.Fatalf("confirm: got %d; %s", res.Status, res.Body)
	}
	var codes struct{ RecoveryCodes []string }
	res.Decode(t, &codes)
	if res := app.Post(t, "/v1/me/mfa/totp", staff.AccessToken, map[string]string{"stepUpToken": up}); res.Status != http.StatusConflict {
		t.Errorf("re-enrolling over a confirmed factor: got %d, want 409", res.Status)
	}
	var me struct{ MFAEnrolled bool }
	app.Get(t, "/v1/me", staff.AccessToken).Decode(t, &me)
	if !me.MFAEnrolled {
		t.Errorf("got mfaEnrolled false after confirming")
	}

	// Five minutes later the step-up is stale; a new one needs the code too.
	clock.Advance(5*time.Minute + time.Second)
	if res := app.Post(t, "/v1/me/mfa/recovery-codes", staff.AccessToken, map[string]string{"stepUpToken": up}); res.Status != http.StatusBadRequest {
		t.Errorf("regenerate with a stale step-up: got %d, want 400", res.Status)
	}
	if res := app.Post(t, "/v1/me/step-up", staff.AccessToken, map[string]string{"password": pw}); res.Status != http.StatusBadRequest {
		t.Errorf("step-up without the code once enrolled: got %d, want 400", res.Status)
	}
	code, _ = totp.GenerateCode(e.Secret, clock.Now())
	up = stepUp(t, app, staff.AccessToken, pw, code)
	res = app.Post(t, "/v1/me/mfa/recovery-codes", staff.AccessToken, map[string]string{"stepUpToken": up})
	var fresh struct{ RecoveryCodes []string }
	res.Decode(t, &fresh)
	if res.Status != http.StatusOK || len(fresh.RecoveryCodes) != 10 {
		t.Fatalf("regenerate: got %d, %d codes; want 200 and 10", res.Status, len(fresh.RecoveryCodes))
	}
	signIn := func(extra map[string]string) int {
		body := map[string]string{"email": "staff@school.test", "password": pw}
		for k, v := range extra {
			body[k] = v
		}
		return app.Post(t, "/v1/auth/login", "", body).Status
	}
	if got := signIn(map[string]string{"recoveryCode": codes.RecoveryCodes[0]}); got != http.StatusUnauthorized {
		t.Errorf("an old recovery code after regenerating: got %d, want 401", got)
	}
	if got := signIn(map[string]string{"recoveryCode": fresh.RecoveryCodes[0]}); got != http.StatusOK {
		t.Errorf("a new recovery code: got %d, want 200", got)
	}
	if res := app.Post(t, "/v1/me/mfa/totp/disable", staff.AccessToken, map[string]string{"stepUpToken": up}); res.Status != http.StatusNoContent {
		t.Fatalf("disable: got %d; %s", res.Status, res.Body)
	}
	if got := signIn(nil); got != http.StatusOK {
		t.Errorf("sign-in without a code after disabling: got %d, want 200", got)
	}
	actions := auditActions(t, app)
	for _, want := range []string{"auth.step_up_failed", "auth.step_up", "user.mfa_enrolment_started", "user.mfa_enrolled",
		"user.recovery_codes_regenerated", "user.mfa_disabled"} {
		if !strings.Contains(actions, want+" ") {
			t.Errorf("audit log lacks %s: %s", want, actions)
		}
	}
}

// TestAdminResetsMFA: an officer who lost their phone cannot drop MFA
// themselves (their role requires it); an admin resets it, which kills
// every token they hold, and their next sign-in enrols again. Nobody else
// may reset it.
func TestAdminResetsMFA(t *testing.T) {
	t.Parallel()
	app := apptest.New(t, apptest.WithConfig(withAdmin), apptest.WithConfig(func(c *server.Config) {
		c.MFARequiredRoles = []string{"officer"}
	}))
	admin := login(t, app, adminEmail, adminPassword)
	force := app.CreateForce(t, "")
	id := invite(t, app, admin.AccessToken, "lost@force.test", "officer", force.ID, "officer password")
	first := login(t, app, "lost@force.test", "officer password")
	res := app.Post(t, "/v1/auth/mfa/totp", "", map[string]string{"enrolmentToken": first.EnrolmentToken})
	var e struct{ Secret string }
	res.Decode(t, &e)
	code, _ := totp.GenerateCode(e.Secret, time.Now())
	res = app.Post(t, "/v1/auth/mfa/totp/confirm", "", map[string]string{"enrolmentToken": first.EnrolmentToken, "code": code})
	var officer session
	res.Decode(t, &officer)
	if officer.AccessToken == "" {
		t.Fatalf("enrolment: got %d; %s", res.Status, res.Body)
	}
	next, _ := totp.GenerateCode(e.Secret, time.Now().Add(30*time.Second))
	up := stepUp(t, app, officer.AccessToken, "officer password", next)
	if res := app.Post(t, "/v1/me/mfa/totp/disable", officer.AccessToken, map[string]string{"stepUpToken": up}); res.Status != http.StatusConflict {
		t.Errorf("an officer removing a required factor: got %d, want 409", res.Status)
	}
	lead := app.Staff(t, "safeguarding_lead", force.ID)
	other := app.Staff(t, "safeguarding_lead", app.CreateForce(t, "").ID)
	if res := app.Post(t, "/v1/users/"+id+"/mfa/reset", lead.Token, nil); res.Status != http.StatusForbidden {
		t.Errorf("the force's lead resetting an officer's MFA: got %d, want 403", res.Status)
	}
	if res := app.Post(t, "/v1/users/"+id+"/mfa/reset", other.Token, nil); res.Status != http.StatusNotFound {
		t.Errorf("another force's lead resetting it: got %d, want 404", res.Status)
	}
	if res := app.Post(t, "/v1/users/"+id+"/mfa/reset", admin.AccessToken, nil); res.Status != http.StatusNoContent {
		t.Fatalf("admin reset: got %d; %s", res.Status, res.Body)
	}
	if res := app.Get(t, "/v1/me", officer.AccessToken); res.Status != http.StatusUnauthorized {
		t.Errorf("access token after the reset: got %d, want 401", res.Status)
	}
	if res := app.Post(t, "/v1/auth/refresh", "", map[string]string{"refreshToken": officer.RefreshToken}); res.Status != http.StatusUnauthorized {
		t.Errorf("refresh token after the reset: got %d, want 401", res.Status)
	}
	if again := login(t, app, "lost@force.test", "officer password"); !again.MFAEnrolmentRequired {
		t.Errorf("sign-in after the reset: got %+v, want to enrol again", again)
	}
	if !strings.Contains(auditActions(t, app), "user.mfa_reset ") {
		t.Errorf("the reset was not audited")
	}
}
