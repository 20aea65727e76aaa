package console_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"speaksafe/accounts"
	"speaksafe/apptest"
)

// An officer whose role needs MFA enrols at first sign-in (QR code and
// secret), confirms with a code, gets recovery codes and a session in
// __Host- cookies that are Secure, HttpOnly and SameSite=Strict; the next
// sign-in asks for the code. (SECURITY-TESTS: console session, MFA.)
func TestSignInEnrolsMFAAndKeepsTheSessionInStrictCookies(t *testing.T) {
	t.Parallel()
	app := mfaApp(t, apptest.WithClock(apptest.NewClock(time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC))))
	force := app.CreateForce(t, "")
	u := person(t, app, accounts.RoleOfficer, force.ID)

	b := newBrowser(t, app)
	p := b.post("/console/signin", "/console/signin", url.Values{"email": {u.Email}, "password": {password}})
	if p.Status != http.StatusOK || !strings.Contains(p.Body, `src="data:image/svg`) {
		t.Fatalf("enrolment page: %d %.500s", p.Status, p.Body)
	}
	if _, ok := b.cookies["__Host-ss-access"]; ok {
		t.Fatal("a session started before the second factor was confirmed")
	}
	secret := find(t, `id="totp-secret">([A-Z2-7]+)<`, p.Body)
	p = b.post("/console/signin", "/console/signin/enrol", url.Values{"_csrf": {csrfOf(t, p)}, "code": {code(t, app, secret)}})
	if p.Status != http.StatusOK || !strings.Contains(p.Body, "recovery codes") {
		t.Fatalf("confirm: %d %.500s", p.Status, p.Body)
	}
	for _, c := range p.Set {
		if c.MaxAge < 0 {
			continue
		}
		if !strings.HasPrefix(c.Name, "__Host-") || !c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Path != "/" {
			t.Errorf("cookie %s: secure=%v httpOnly=%v sameSite=%v path=%q", c.Name, c.Secure, c.HttpOnly, c.SameSite, c.Path)
		}
	}
	access := b.cookies["__Host-ss-access"]
	if access == nil || access.MaxAge != int(accounts.AccessTTL.Seconds()) {
		t.Fatalf("access cookie %+v, want one living %v", access, accounts.AccessTTL)
	}
	if r := b.cookies["__Host-ss-refresh"]; r == nil || r.MaxAge != int(accounts.RefreshTTL.Seconds()) {
		t.Fatalf("refresh cookie %+v, want one living %v", r, accounts.RefreshTTL)
	}
	if p := b.get("/console/cases"); p.Status != http.StatusOK {
		t.Fatalf("queue after enrolment: %d", p.Status)
	}

	again := newBrowser(t, app)
	p = again.post("/console/signin", "/console/signin", url.Values{"email": {u.Email}, "password": {password}})
	if p.Status != http.StatusUnauthorized || !strings.Contains(p.Body, "6-digit code") {
		t.Fatalf("sign-in without a code: %d, want 401 asking for the code", p.Status)
	}
	app.Clock.Advance(30 * time.Second) // a code is good once: the next one
	signIn(t, app, u, secret)
}

// A POST without the session's CSRF token, with another user's token, or
// marked cross-site by the browser is refused and changes nothing.
func TestForgedPostsAreRefused(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	force := app.CreateForce(t, "")
	officer := person(t, app, accounts.RoleOfficer, force.ID)
	other := person(t, app, accounts.RoleOfficer, force.ID)
	ref := strings.Fields(report(t, app, force.Code, false, "someone sends me gifts"))[0]
	b := signIn(t, app, officer, "")
	q := b.get("/console/cases")
	caseID := find(t, `href="/console/cases/([^"]+)">`+ref, q.Body)
	path := "/console/cases/" + caseID + "/notes"
	otherToken := csrfOf(t, signIn(t, app, other, "").get("/console/cases"))
	good := csrfOf(t, q)

	for name, tc := range map[string]struct {
		token  string
		header map[string]string
	}{
		"no token":              {"", nil},
		"wrong token":           {"AAAA" + good[4:], nil},
		"another user's":        {otherToken, nil},
		"cross-site (right)":    {good, map[string]string{"Sec-Fetch-Site": "cross-site"}},
		"same-site sub (right)": {good, map[string]string{"Sec-Fetch-Site": "same-site"}},
	} {
		form := url.Values{"body": {"forged note " + name}}
		if tc.token != "" {
			form.Set("_csrf", tc.token)
		}
		p := b.do(http.MethodPost, path, form, tc.header)
		if p.Status != http.StatusForbidden {
			t.Errorf("%s: got %d, want 403", name, p.Status)
		}
	}
	// The sign-in form is protected too (login CSRF): no token, no session.
	if p := newBrowser(t, app).do(http.MethodPost, "/console/signin", url.Values{"email": {officer.Email}, "password": {password}}, nil); p.Status != http.StatusForbidden {
		t.Errorf("sign-in without a token: %d, want 403", p.Status)
	}
	if page := b.get("/console/cases/" + caseID); strings.Contains(page.Body, "forged note") {
		t.Fatal("a forged note was stored")
	}
	p := b.do(http.MethodPost, path, url.Values{"_csrf": {good}, "body": {"genuine note"}}, map[string]string{"Sec-Fetch-Site": "same-origin"})
	if p.Status != http.StatusSeeOther || !strings.Contains(b.get("/console/cases/"+caseID).Body, "genuine note") {
		t.Fatalf("the genuine post: %d", p.Status)
	}
}

// Every console page has a CSP that allows scripts from the console only
// (no 'unsafe-inline'), and a page showing a case is never stored.
func TestHeadersForbidInlineScriptAndCaching(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	force := app.CreateForce(t, "")
	officer := person(t, app, accounts.RoleOfficer, force.ID)
	report(t, app, force.Code, true, "a man wants to meet me")
	b := signIn(t, app, officer, "")
	q := b.get("/console/cases")
	caseID := find(t, `href="/console/cases/([^"]+)"`, q.Body)
	for _, path := range []string{"/console/signin", "/console/cases", "/console/cases/" + caseID, "/console/alerts"} {
		p := b.get(path)
		csp := p.Header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("%s: CSP %q", path, csp)
		}
		if cc := p.Header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("%s: Cache-Control %q, want no-store", path, cc)
		}
		if strings.Contains(p.Body, "<script>") || strings.Contains(p.Body, " onclick=") {
			t.Errorf("%s: inline script in the page", path)
		}
	}
}

// Signing out everywhere ends every session: another browser's cookies and
// an API token from the same account stop working at once.
func TestSignOutEverywhereEndsConsoleAndAPISessions(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	force := app.CreateForce(t, "")
	officer := person(t, app, accounts.RoleOfficer, force.ID)
	one, two := signIn(t, app, officer, ""), signIn(t, app, officer, "")
	api := app.Post(t, "/v1/auth/login", "", map[string]string{"email": officer.Email, "password": password})
	var s struct{ AccessToken string }
	api.Decode(t, &s)

	if p := one.post("/console/account", "/console/account/signout-everywhere", nil); p.Status != http.StatusSeeOther {
		t.Fatalf("sign out everywhere: %d", p.Status)
	}
	if p := two.get("/console/cases"); p.Status != http.StatusSeeOther || p.Header.Get("Location") != "/console/signin" {
		t.Errorf("the other browser: %d %q, want a redirect to sign in", p.Status, p.Header.Get("Location"))
	}
	if res := app.Get(t, "/v1/cases", s.AccessToken); res.Status != http.StatusUnauthorized {
		t.Errorf("API token after sign-out everywhere: %d, want 401", res.Status)
	}
}

// The session lives as API tokens do: after the access token expires the
// refresh token is rotated; replaying the old one revokes the family, and
// signing out revokes it too.
func TestSessionRefreshesAndReplayRevokes(t *testing.T) {
	t.Parallel()
	clock := apptest.NewClock(time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC))
	app := apptest.New(t, apptest.WithClock(clock))
	force := app.CreateForce(t, "")
	officer := person(t, app, accounts.RoleOfficer, force.ID)
	b := signIn(t, app, officer, "")
	stolen := b.cookies["__Host-ss-refresh"].Value

	clock.Advance(accounts.AccessTTL + time.Minute)
	if p := b.get("/console/cases"); p.Status != http.StatusOK {
		t.Fatalf("after the access token expired: %d, want 200 through the refresh token", p.Status)
	}
	if b.cookies["__Host-ss-refresh"].Value == stolen {
		t.Fatal("the refresh token was not rotated")
	}
	thief := newBrowser(t, app)
	thief.cookies["__Host-ss-refresh"] = &http.Cookie{Name: "__Host-ss-refresh", Value: stolen}
	if p := thief.get("/console/cases"); p.Status != http.StatusSeeOther {
		t.Fatalf("replayed refresh token: %d, want a redirect to sign in", p.Status)
	}
	if p := b.get("/console/cases"); p.Status != http.StatusSeeOther {
		t.Fatalf("after the replay the family is revoked: %d, want a redirect to sign in", p.Status)
	}

	c := signIn(t, app, officer, "")
	kept := map[string]string{}
	for k, v := range c.cookies {
		kept[k] = v.Value
	}
	if p := c.post("/console/cases", "/console/signout", nil); p.Status != http.StatusSeeOther {
		t.Fatalf("sign out: %d", p.Status)
	}
	replay := newBrowser(t, app)
	for k, v := range kept {
		replay.cookies[k] = &http.Cookie{Name: k, Value: v}
	}
	if p := replay.get("/console/cases"); p.Status != http.StatusSeeOther {
		t.Fatalf("cookies kept from before sign-out: %d, want a redirect to sign in", p.Status)
	}
}
