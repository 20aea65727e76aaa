package handlers_test

import (
	"net/http"
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

func TestVoluntaryMFAEnrolment(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	school := app.CreateSchool(t, app.CreateForce(t, "").ID, "Enrol School")
	staff := app.Staff(t, "school_staff", school.ID)
	res := app.Post(t, "/v1/me/mfa/totp", staff.Token, nil)
	if res.Status != http.StatusOK {
		t.Fatalf("enrol: got %d; %s", res.Status, res.Body)
	}
	var e struct{ Secret string }
	res.Decode(t, &e)
	code, _ := totp.GenerateCode(e.Secret, time.Now())
	res = app.Post(t, "/v1/me/mfa/totp/confirm", staff.Token, map[string]string{"code": code})
	if res.Status != http.StatusOK {
		t.Fatalf("confirm: got %d; %s", res.Status, res.Body)
	}
	if res := app.Post(t, "/v1/me/mfa/totp", staff.Token, nil); res.Status != http.StatusConflict {
		t.Errorf("re-enrolling over a confirmed factor: got %d, want 409", res.Status)
	}
	res = app.Get(t, "/v1/me", staff.Token)
	var me struct{ MFAEnrolled bool }
	res.Decode(t, &me)
	if !me.MFAEnrolled {
		t.Errorf("got mfaEnrolled false after confirming")
	}
}
