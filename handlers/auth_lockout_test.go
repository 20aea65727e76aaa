package handlers_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"speaksafe/apptest"
	"speaksafe/server"
)

// TestSecurity04NobodyCanLockAnOfficerOut: failed sign-ins from many
// addresses only slow an officer's sign-in down (a capped delay, on the
// injected clock); the officer's correct password and TOTP code from their
// own phone are never refused. One client guessing at one account is
// refused after ten attempts, and only that client.
func TestSecurity04NobodyCanLockAnOfficerOut(t *testing.T) {
	t.Parallel()
	clock := apptest.NewClock(time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC))
	app := apptest.New(t, apptest.WithConfig(withAdmin), apptest.WithConfig(trustTestProxy), apptest.WithClock(clock),
		apptest.WithConfig(func(c *server.Config) { c.MFARequiredRoles = []string{"officer"} }))
	admin := login(t, app, adminEmail, adminPassword)
	force := app.CreateForce(t, "")
	const email, pw = "oncall@force.test", "officer password"
	invite(t, app, admin.AccessToken, email, "officer", force.ID, pw)
	first := login(t, app, email, pw)
	res := app.Post(t, "/v1/auth/mfa/totp", "", map[string]string{"enrolmentToken": first.EnrolmentToken})
	var e struct{ Secret string }
	res.Decode(t, &e)
	code, _ := totp.GenerateCode(e.Secret, clock.Now())
	if res := app.Post(t, "/v1/auth/mfa/totp/confirm", "", map[string]string{"enrolmentToken": first.EnrolmentToken, "code": code}); res.Status != http.StatusOK {
		t.Fatalf("enrol: got %d; %s", res.Status, res.Body)
	}

	from := func(addr string, body map[string]string) (*apptest.Response, time.Duration) {
		start := clock.Now()
		res := app.Do(t, apptest.Request{Method: http.MethodPost, Path: "/v1/auth/login",
			Header: map[string]string{"X-Forwarded-For": addr}, Body: body})
		return res, clock.Now().Sub(start)
	}
	// Thirty wrong passwords from thirty addresses: all 401, never 429,
	// later ones delayed, the delay capped.
	var delays []time.Duration
	for i := range 30 {
		res, waited := from(fmt.Sprintf("198.51.100.%d", i+1), map[string]string{"email": email, "password": "guess " + fmt.Sprint(i)})
		if res.Status != http.StatusUnauthorized {
			t.Fatalf("guess %d: got %d, want 401", i, res.Status)
		}
		delays = append(delays, waited)
	}
	if delays[0] != 0 || delays[4] != 0 || delays[5] != 250*time.Millisecond || delays[6] != 500*time.Millisecond || delays[29] != 4*time.Second {
		t.Errorf("got delays %v, want none for the first five, then 0.25 s doubling up to 4 s", delays)
	}
	// The officer, from their phone: password and a fresh code work.
	code, _ = totp.GenerateCode(e.Secret, clock.Now())
	res, waited := from("203.0.113.7", map[string]string{"email": email, "password": pw, "totpCode": code})
	if res.Status != http.StatusOK {
		t.Fatalf("the officer after 30 failures elsewhere: got %d, want 200; %s", res.Status, res.Body)
	}
	if waited > 4*time.Second {
		t.Errorf("the officer waited %v, want at most 4 s", waited)
	}
	// One client guessing at the account is refused after ten attempts,
	// even with the right password; another client is not.
	for i := range 10 {
		if res, _ := from("192.0.2.66", map[string]string{"email": email, "password": "again " + fmt.Sprint(i)}); res.Status != http.StatusUnauthorized {
			t.Fatalf("guess %d from one client: got %d, want 401", i, res.Status)
		}
	}
	if res, _ := from("192.0.2.66", map[string]string{"email": email, "password": pw, "totpCode": code}); res.Status != http.StatusTooManyRequests {
		t.Errorf("11th attempt of one client: got %d, want 429", res.Status)
	}
	clock.Advance(30 * time.Second)
	code, _ = totp.GenerateCode(e.Secret, clock.Now())
	if res, _ := from("203.0.113.7", map[string]string{"email": email, "password": pw, "totpCode": code}); res.Status != http.StatusOK {
		t.Errorf("the officer while another client is refused: got %d, want 200", res.Status)
	}
	// The window ends: the failures are forgotten, no delay.
	clock.Advance(15 * time.Minute)
	code, _ = totp.GenerateCode(e.Secret, clock.Now())
	if res, waited := from("203.0.113.7", map[string]string{"email": email, "password": pw, "totpCode": code}); res.Status != http.StatusOK || waited != 0 {
		t.Errorf("after the window: got %d after %v, want 200 at once", res.Status, waited)
	}
	if strings.Contains(app.Logs.String(), "198.51.100.") {
		t.Errorf("a client address reached the logs")
	}
}

// TestRevokingAFamilyKillsItsAccessTokensAtOnce (SECURITY 29): when a
// replayed refresh token revokes its family, the access tokens issued from
// that family stop working on the next request, not 15 minutes later;
// another sign-in of the same user is untouched.
func TestRevokingAFamilyKillsItsAccessTokensAtOnce(t *testing.T) {
	t.Parallel()
	app := apptest.New(t, apptest.WithConfig(withAdmin))
	stolen := login(t, app, adminEmail, adminPassword)
	other := login(t, app, adminEmail, adminPassword)
	res := app.Post(t, "/v1/auth/refresh", "", map[string]string{"refreshToken": stolen.RefreshToken})
	var next session
	res.Decode(t, &next)
	for name, tok := range map[string]string{"first": stolen.AccessToken, "rotated": next.AccessToken, "other": other.AccessToken} {
		if res := app.Get(t, "/v1/me", tok); res.Status != http.StatusOK {
			t.Fatalf("%s access token before the replay: got %d, want 200", name, res.Status)
		}
	}
	if res := app.Post(t, "/v1/auth/refresh", "", map[string]string{"refreshToken": stolen.RefreshToken}); res.Status != http.StatusUnauthorized {
		t.Fatalf("replay: got %d, want 401", res.Status)
	}
	for name, tok := range map[string]string{"first": stolen.AccessToken, "rotated": next.AccessToken} {
		if res := app.Get(t, "/v1/me", tok); res.Status != http.StatusUnauthorized {
			t.Errorf("%s access token of the revoked family: got %d, want 401", name, res.Status)
		}
	}
	if res := app.Get(t, "/v1/me", other.AccessToken); res.Status != http.StatusOK {
		t.Errorf("access token of another sign-in: got %d, want 200", res.Status)
	}
}
