package handlers_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"speaksafe/accounts"
	"speaksafe/apptest"
)

// signingKey recovers the app's current Ed25519 key from its config, to
// forge tokens that differ from real ones in exactly one respect.
func signingKey(t *testing.T, app *apptest.App) (string, ed25519.PrivateKey) {
	t.Helper()
	kid, raw, _ := strings.Cut(app.Cfg.JWTSigningKeys, ":")
	seed, err := jwtB64(raw)
	if err != nil {
		t.Fatal(err)
	}
	return kid, ed25519.NewKeyFromSeed(seed)
}

func jwtB64(s string) ([]byte, error) { return jwt.NewParser().DecodeSegment(s) }

func TestForgedTokensAreRejected(t *testing.T) {
	t.Parallel()
	app := apptest.New(t, apptest.WithConfig(withAdmin))
	force := app.CreateForce(t, "")
	officer := app.Staff(t, accounts.RoleOfficer, force.ID)
	kid, priv := signingKey(t, app)
	pub := priv.Public().(ed25519.PublicKey)
	now := time.Now()
	claims := func(edit func(jwt.MapClaims)) jwt.MapClaims {
		c := jwt.MapClaims{"iss": "speaksafe", "aud": []string{"speaksafe-staff"}, "sub": officer.ID,
			"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(10 * time.Minute).Unix(), "tv": 0}
		if edit != nil {
			edit(c)
		}
		return c
	}
	sign := func(method jwt.SigningMethod, key any, kid string, c jwt.MapClaims) string {
		tok := jwt.NewWithClaims(method, c)
		if kid != "" {
			tok.Header["kid"] = kid
		}
		s, err := tok.SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	_, otherKey, _ := ed25519.GenerateKey(rand.Reader)
	none := sign(jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, kid, claims(nil))
	login(t, app, adminEmail, adminPassword)
	admin := login(t, app, adminEmail, adminPassword)

	valid := sign(jwt.SigningMethodEdDSA, priv, kid, claims(nil))
	if res := app.Get(t, "/v1/me", valid); res.Status != http.StatusOK {
		t.Fatalf("control: a correctly signed token got %d, want 200; %s", res.Status, res.Body)
	}
	cases := map[string]string{
		"alg none":                    none,
		"HS256 keyed with public key": sign(jwt.SigningMethodHS256, []byte(pub), kid, claims(nil)),
		"expired": sign(jwt.SigningMethodEdDSA, priv, kid, claims(func(c jwt.MapClaims) {
			c["exp"] = now.Add(-time.Hour).Unix()
			c["iat"] = now.Add(-2 * time.Hour).Unix()
		})),
		"missing exp":              sign(jwt.SigningMethodEdDSA, priv, kid, claims(func(c jwt.MapClaims) { delete(c, "exp") })),
		"wrong audience":           sign(jwt.SigningMethodEdDSA, priv, kid, claims(func(c jwt.MapClaims) { c["aud"] = "someone-else" })),
		"enrolment audience":       sign(jwt.SigningMethodEdDSA, priv, kid, claims(func(c jwt.MapClaims) { c["aud"] = "speaksafe-mfa-enrolment" })),
		"wrong issuer":             sign(jwt.SigningMethodEdDSA, priv, kid, claims(func(c jwt.MapClaims) { c["iss"] = "evil" })),
		"unknown kid":              sign(jwt.SigningMethodEdDSA, priv, "other", claims(nil)),
		"no kid":                   sign(jwt.SigningMethodEdDSA, priv, "", claims(nil)),
		"other key":                sign(jwt.SigningMethodEdDSA, otherKey, kid, claims(nil)),
		"lifetime over 15 minutes": sign(jwt.SigningMethodEdDSA, priv, kid, claims(func(c jwt.MapClaims) { c["exp"] = now.Add(24 * time.Hour).Unix() })),
		"stale token version":      sign(jwt.SigningMethodEdDSA, priv, kid, claims(func(c jwt.MapClaims) { c["tv"] = 7 })),
		"unknown user":             sign(jwt.SigningMethodEdDSA, priv, kid, claims(func(c jwt.MapClaims) { c["sub"] = "nobody" })),
		"refresh token as access":  admin.RefreshToken,
		"garbage":                  "not.a.token",
	}
	for name, tok := range cases {
		t.Run(name, func(t *testing.T) {
			res := app.Get(t, "/v1/me", tok)
			if res.Status != http.StatusUnauthorized {
				t.Errorf("got status %d, want 401; body %s", res.Status, res.Body)
			}
		})
	}
}

func TestRefreshReplayRevokesFamily(t *testing.T) {
	t.Parallel()
	app := apptest.New(t, apptest.WithConfig(withAdmin))
	first := login(t, app, adminEmail, adminPassword)
	other := login(t, app, adminEmail, adminPassword) // another device, another family

	refresh := func(tok string) (*apptest.Response, session) {
		res := app.Post(t, "/v1/auth/refresh", "", map[string]string{"refreshToken": tok})
		var s session
		if res.Status == http.StatusOK {
			res.Decode(t, &s)
		}
		return res, s
	}
	res, second := refresh(first.RefreshToken)
	if res.Status != http.StatusOK || second.RefreshToken == first.RefreshToken || second.AccessToken == "" {
		t.Fatalf("rotate: got %d %+v, want a new pair", res.Status, second)
	}
	if res := app.Get(t, "/v1/me", second.AccessToken); res.Status != http.StatusOK {
		t.Fatalf("new access token: got %d, want 200", res.Status)
	}
	// The thief replays the first token: 401, and the owner's newer token
	// of that family dies with it.
	if res, _ := refresh(first.RefreshToken); res.Status != http.StatusUnauthorized {
		t.Errorf("replay: got %d, want 401", res.Status)
	}
	if res, _ := refresh(second.RefreshToken); res.Status != http.StatusUnauthorized {
		t.Errorf("newer token of revoked family: got %d, want 401", res.Status)
	}
	if res, _ := refresh(other.RefreshToken); res.Status != http.StatusOK {
		t.Errorf("another family: got %d, want 200", res.Status)
	}
	if !strings.Contains(auditActions(t, app), "auth.refresh_reuse") {
		t.Errorf("the reuse was not audited")
	}
}

func TestDisablingAndRoleChangesKillLiveTokens(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	force := app.CreateForce(t, "")
	admin := app.Staff(t, accounts.RoleAdmin, "")
	officer := app.Staff(t, accounts.RoleOfficer, force.ID)
	supervisor := app.Staff(t, accounts.RoleSupervisor, force.ID)
	patch := func(id string, body map[string]any) {
		t.Helper()
		res := app.Do(t, apptest.Request{Method: http.MethodPatch, Path: "/v1/users/" + id, Token: admin.Token, Body: body})
		if res.Status != http.StatusOK {
			t.Fatalf("patch: got %d; %s", res.Status, res.Body)
		}
	}
	patch(officer.ID, map[string]any{"disabled": true})
	if res := app.Get(t, "/v1/me", officer.Token); res.Status != http.StatusUnauthorized {
		t.Errorf("disabled user's token: got %d, want 401", res.Status)
	}
	patch(supervisor.ID, map[string]any{"role": "officer"})
	if res := app.Get(t, "/v1/me", supervisor.Token); res.Status != http.StatusUnauthorized {
		t.Errorf("token from before a role change: got %d, want 401", res.Status)
	}
	if res := app.Get(t, "/v1/me", app.TokenFor(t, supervisor.ID)); res.Status != http.StatusOK {
		t.Errorf("token after the role change: got %d, want 200", res.Status)
	}
	// Nobody can lock themselves out.
	res := app.Do(t, apptest.Request{Method: http.MethodPatch, Path: "/v1/users/" + admin.ID, Token: admin.Token,
		Body: map[string]any{"disabled": true}})
	if res.Status != http.StatusBadRequest {
		t.Errorf("disabling oneself: got %d, want 400", res.Status)
	}
}

func TestLogoutKillsAccessAndRefresh(t *testing.T) {
	t.Parallel()
	app := apptest.New(t, apptest.WithConfig(withAdmin))
	s := login(t, app, adminEmail, adminPassword)
	res := app.Post(t, "/v1/auth/logout", "", map[string]string{"refreshToken": s.RefreshToken})
	if res.Status != http.StatusNoContent {
		t.Fatalf("logout: got %d, want 204; %s", res.Status, res.Body)
	}
	if res := app.Get(t, "/v1/me", s.AccessToken); res.Status != http.StatusUnauthorized {
		t.Errorf("access token after logout: got %d, want 401", res.Status)
	}
	if res := app.Post(t, "/v1/auth/refresh", "", map[string]string{"refreshToken": s.RefreshToken}); res.Status != http.StatusUnauthorized {
		t.Errorf("refresh after logout: got %d, want 401", res.Status)
	}
}
