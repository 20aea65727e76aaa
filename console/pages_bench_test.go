package console_test

import (
	"context"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"speaksafe/accounts"
	"speaksafe/apptest"
	"speaksafe/reports"
)

// benchSession is a signed-in console session for a benchmark: the
// cookies the app set, sent back on every request.
type benchSession struct {
	app     *apptest.App
	cookies map[string]string
}

func (s *benchSession) do(tb testing.TB, method, path string, form url.Values) (int, string) {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	r := httptest.NewRequest(method, path, body)
	r.RemoteAddr = "127.0.0.1:5555"
	if form != nil {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range s.cookies {
		r.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	res, err := s.app.Fiber.Test(r, -1)
	if err != nil {
		tb.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	for _, c := range res.Cookies() {
		s.cookies[c.Name] = c.Value
	}
	return res.StatusCode, string(raw)
}

var benchCSRF = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// benchSignIn creates a user with role in orgID, sets their password and
// signs them in to the console as a browser does.
func benchSignIn(tb testing.TB, app *apptest.App, role accounts.Role, orgID string) *benchSession {
	tools := app.Tools()
	u, tok, err := tools.Accounts.CreateUser(adminCtx(), accounts.NewUser{Email: fmt.Sprintf("bench-%s@example.test", role),
		Name: "Bench " + string(role), Role: role, OrgID: orgID})
	if err != nil {
		tb.Fatal(err)
	}
	if err := tools.Auth.AcceptInvite(context.Background(), tok, password); err != nil {
		tb.Fatal(err)
	}
	s := &benchSession{app: app, cookies: map[string]string{}}
	_, page := s.do(tb, http.MethodGet, "/console/signin", nil)
	m := benchCSRF.FindStringSubmatch(page)
	if m == nil {
		tb.Fatal("no CSRF token on the sign-in page")
	}
	form := url.Values{"email": {u.Email}, "password": {password}, "_csrf": {html.UnescapeString(m[1])}}
	if status, page := s.do(tb, http.MethodPost, "/console/signin", form); status != http.StatusSeeOther {
		tb.Fatalf("sign in: %d %.300s", status, page)
	}
	return s
}

// BenchmarkConsolePages measures the console pages issue 16 bounds (p95 at
// most 50 ms) with 1 000 open cases in the force, seeded through
// reports.Store.Seed on the embedded store, one request at a time; each
// sub-benchmark reports its p95 in ms.
//
//	go test ./console/ -run '^$' -bench ConsolePages -benchtime 40x
func BenchmarkConsolePages(b *testing.B) {
	app := apptest.New(b)
	force := app.CreateForce(b, "bench")
	now := app.Clock.Now()
	cases := make([]reports.SeedCase, 1000)
	for i := range cases {
		cases[i] = reports.SeedCase{At: now.Add(-time.Duration(i) * 7 * time.Minute), Report: reports.Report{ForceCode: "bench",
			Category: reports.CategoryGiftsOrMoney, WhatHappened: fmt.Sprintf("seeded case %d", i)}}
	}
	if err := app.Tools().Reports.Seed(context.Background(), cases); err != nil {
		b.Fatal(err)
	}
	sessions := map[accounts.Role]*benchSession{
		accounts.RoleOfficer:    benchSignIn(b, app, accounts.RoleOfficer, force.ID),
		accounts.RoleSupervisor: benchSignIn(b, app, accounts.RoleSupervisor, force.ID),
	}
	for _, p := range []struct {
		role accounts.Role
		path string
	}{
		{accounts.RoleOfficer, "/console/account"}, // a page that reads little, for comparison
		{accounts.RoleOfficer, "/console/cases"},
		{accounts.RoleSupervisor, "/console/cases"},
		{accounts.RoleSupervisor, "/console/figures"},
		{accounts.RoleSupervisor, "/console/figures/figures.csv"},
	} {
		s := sessions[p.role]
		if status, page := s.do(b, http.MethodGet, p.path, nil); status != http.StatusOK {
			b.Fatalf("%s %s: %d %.300s", p.role, p.path, status, page)
		}
		b.Run(string(p.role)+strings.ReplaceAll(p.path, "/", "_"), func(b *testing.B) {
			var took []time.Duration
			for b.Loop() {
				start := time.Now()
				s.do(b, http.MethodGet, p.path, nil)
				took = append(took, time.Since(start))
			}
			slices.Sort(took)
			p95 := took[min(len(took)-1, (len(took)*95+99)/100-1)]
			b.ReportMetric(float64(p95.Microseconds())/1000, "p95-ms")
		})
	}
}
