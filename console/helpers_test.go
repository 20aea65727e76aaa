package console_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/pquerna/otp/totp"

	"speaksafe/accounts"
	"speaksafe/apptest"
	"speaksafe/audit"
	"speaksafe/server"
)

// browser is a minimal cookie-keeping client of the app, as a browser on
// http://127.0.0.1 would be: it keeps Secure cookies (browsers treat
// loopback as a secure context) and sends them back.
type browser struct {
	t       testing.TB
	app     *apptest.App
	cookies map[string]*http.Cookie
}

type page struct {
	Status int
	Header http.Header
	Body   string
	Set    []*http.Cookie
}

func newBrowser(t testing.TB, app *apptest.App) *browser {
	return &browser{t: t, app: app, cookies: map[string]*http.Cookie{}}
}

func (b *browser) do(method, path string, form url.Values, header map[string]string) page {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	r := httptest.NewRequest(method, path, body)
	r.RemoteAddr = "127.0.0.1:5555"
	if form != nil {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for _, c := range b.cookies {
		r.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	for k, v := range header {
		r.Header.Set(k, v)
	}
	res, err := b.app.Fiber.Test(r, -1)
	if err != nil {
		b.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	p := page{Status: res.StatusCode, Header: res.Header, Body: string(raw), Set: res.Cookies()}
	for _, c := range p.Set {
		if c.MaxAge < 0 || c.Value == "" {
			delete(b.cookies, c.Name)
		} else {
			b.cookies[c.Name] = c
		}
	}
	return p
}

func (b *browser) get(path string) page { b.t.Helper(); return b.do(http.MethodGet, path, nil, nil) }

// post sends form with the CSRF token of the page last shown at from.
func (b *browser) post(from, path string, form url.Values) page {
	b.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if form.Get("_csrf") == "" {
		form.Set("_csrf", csrfOf(b.t, b.get(from)))
	}
	return b.do(http.MethodPost, path, form, nil)
}

var csrfMeta = regexp.MustCompile(`<meta name="csrf-token" content="([^"]+)">`)

func csrfOf(t testing.TB, p page) string {
	t.Helper()
	m := csrfMeta.FindStringSubmatch(p.Body)
	if m == nil {
		t.Fatalf("no CSRF token in page %d: %.300s", p.Status, p.Body)
	}
	return html.UnescapeString(m[1])
}

func find(t testing.TB, re, body string) string {
	t.Helper()
	m := regexp.MustCompile(re).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("%s not found in %.2000s", re, body)
	}
	return html.UnescapeString(m[1])
}

func adminCtx() context.Context {
	return accounts.WithCaller(context.Background(), accounts.Caller{UserID: "test-admin", Role: accounts.RoleAdmin})
}

const password = "a long enough password 1"

// person creates a user with role in org and sets their password through
// the console's invite screen, as a new colleague would.
func person(t testing.TB, app *apptest.App, role accounts.Role, orgID string) accounts.User {
	t.Helper()
	store := accounts.NewStore(app.DB, nil, app.Clock.Now, audit.RecorderFunc(func(context.Context, audit.Entry) error { return nil }))
	suffix := make([]byte, 4)
	_, _ = rand.Read(suffix)
	u, tok, err := store.CreateUser(adminCtx(), accounts.NewUser{Email: fmt.Sprintf("%s-%x@example.test", strings.ReplaceAll(string(role), "_", "-"), suffix),
		Name: "Test " + string(role) + " " + hex.EncodeToString(suffix), Role: role, OrgID: orgID})
	if err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, app)
	p := b.post("/console/invite", "/console/invite", url.Values{"inviteToken": {tok}, "password": {password}})
	if p.Status != http.StatusOK || !strings.Contains(p.Body, "Your password is set") {
		t.Fatalf("accept invite: %d %.500s", p.Status, p.Body)
	}
	return u
}

// signIn signs u in with their password (and a TOTP code when secret is
// set) and answers the browser holding the session.
func signIn(t testing.TB, app *apptest.App, u accounts.User, secret string) *browser {
	t.Helper()
	b := newBrowser(t, app)
	form := url.Values{"email": {u.Email}, "password": {password}}
	if secret != "" {
		form.Set("totpCode", code(t, app, secret))
	}
	p := b.post("/console/signin", "/console/signin", form)
	if p.Status != http.StatusSeeOther {
		t.Fatalf("sign in %s: %d %.500s", u.Email, p.Status, p.Body)
	}
	return b
}

func code(t testing.TB, app *apptest.App, secret string) string {
	t.Helper()
	c, err := totp.GenerateCode(secret, app.Clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func mfaApp(t *testing.T, opts ...apptest.Option) *apptest.App {
	return apptest.New(t, append(opts, apptest.WithConfig(func(c *serverConfig) {
		c.MFARequiredRoles = []string{"admin", "supervisor", "officer"}
	}))...)
}

type serverConfig = server.Config

// report files a report through the API as the app does and answers its
// case reference.
func report(t testing.TB, app *apptest.App, forceCode string, urgent bool, text string) string {
	t.Helper()
	body := map[string]any{"forceCode": forceCode, "category": "gifts_or_money", "whatHappened": text}
	if urgent {
		body = map[string]any{"forceCode": forceCode, "category": "adult_wants_to_meet", "whatHappened": text,
			"answers": map[string]any{"meetingPlanned": true, "ageBand": "11-13"}}
	}
	key := make([]byte, 16)
	_, _ = rand.Read(key)
	res := app.Do(t, apptest.Request{Method: http.MethodPost, Path: "/v1/reports", Body: body,
		Header: map[string]string{"Idempotency-Key": hex.EncodeToString(key)}})
	if res.Status != http.StatusCreated {
		t.Fatalf("report: %d %s", res.Status, res.Body)
	}
	var out struct{ Reference, Receipt string }
	res.Decode(t, &out)
	return out.Reference + " " + out.Receipt
}
