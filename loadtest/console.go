package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"speaksafe/internal/harness"
)

// consoleGoal is issue 16's bound on every console page's server time:
// p95 at most 50 ms with 1 000 open cases in the force.
const consoleGoal = 50 * time.Millisecond

// browser is a console session as a browser holds it: the cookies the
// server set (Secure ones too: a browser treats loopback as secure), sent
// back on every request; redirects are answers, not followed.
type browser struct {
	base string
	http *http.Client
	addr string // the X-Forwarded-For this browser's requests come from
	mu   sync.Mutex
	jar  map[string]string
}

func newBrowser(c *harness.Client) *browser {
	hc := &http.Client{Transport: c.HTTP.Transport, Timeout: c.HTTP.Timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return &browser{base: c.Base, http: hc, addr: harness.ClientAddr(), jar: map[string]string{}}
}

// do sends a request with the session's cookies (and form, when not nil)
// and keeps the cookies the answer sets.
func (b *browser) do(ctx context.Context, method, path string, form url.Values) (int, string, error) {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, b.base+path, body)
	if err != nil {
		return 0, "", err
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("X-Forwarded-For", b.addr)
	b.mu.Lock()
	for k, v := range b.jar {
		req.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	b.mu.Unlock()
	res, err := b.http.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer res.Body.Close()
	page, err := io.ReadAll(res.Body)
	b.mu.Lock()
	for _, c := range res.Cookies() {
		if c.MaxAge < 0 || c.Value == "" {
			delete(b.jar, c.Name)
		} else {
			b.jar[c.Name] = c.Value
		}
	}
	b.mu.Unlock()
	return res.StatusCode, string(page), err
}

var csrfInput = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// signIn opens the sign-in page (which sets the CSRF seed cookie and puts
// the token in its form) and posts the form, as a browser does.
func (b *browser) signIn(ctx context.Context, email, password string) error {
	status, page, err := b.do(ctx, http.MethodGet, "/console/signin", nil)
	if err != nil || status != http.StatusOK {
		return fmt.Errorf("console sign-in page: %d %v", status, err)
	}
	m := csrfInput.FindStringSubmatch(page)
	if m == nil {
		return errors.New("console sign-in page has no CSRF token")
	}
	form := url.Values{"email": {email}, "password": {password}, "_csrf": {html.UnescapeString(m[1])}}
	status, _, err = b.do(ctx, http.MethodPost, "/console/signin", form)
	if err != nil || status != http.StatusSeeOther {
		return fmt.Errorf("console sign-in %s: got %d, want 303: %v", email, status, err)
	}
	return nil
}

// consoleRows signs in to the console as the force's officer and
// supervisor and as the admin, and requests every page of consolePages in
// turn, one request at a time (a page's own time, not a queue's), for dur
// each.
func (e *env) consoleRows(ctx context.Context, f harness.Force, adminEmail, adminPassword, caseID string, dur time.Duration) []result {
	who := map[string][2]string{roleOfficer: {f.Officer.Email, f.Officer.Password},
		roleSupervisor: {f.Supervisor.Email, f.Supervisor.Password}, roleAdmin: {adminEmail, adminPassword}}
	sessions := map[string]*browser{}
	var rows []result
	for _, p := range consolePages {
		name := fmt.Sprintf("console %s GET %s", p.role, p.route)
		b, ok := sessions[p.role]
		if !ok {
			b = newBrowser(e.client)
			if err := b.signIn(ctx, who[p.role][0], who[p.role][1]); err != nil {
				rows = append(rows, result{Name: name, Note: "set-up failed: " + err.Error()})
				continue
			}
			sessions[p.role] = b
		}
		path := strings.Replace(p.route, ":id", caseID, 1)
		want := cmp.Or(p.status, http.StatusOK)
		r := e.closedLoop(ctx, name, 1, dur, func(ctx context.Context, _ int) error {
			status, page, err := b.do(ctx, http.MethodGet, path, nil)
			if err != nil {
				return err
			}
			if status != want {
				return fmt.Errorf("got %d, want %d: %s", status, want, truncate(page, 120))
			}
			return nil
		})
		rows = append(rows, r)
	}
	return rows
}

// printConsoleGoal writes each console page's p95 against consoleGoal.
func printConsoleGoal(w io.Writer, open int, rows []result) {
	fmt.Fprintf(w, "\n### Console pages with %d open cases: server time p95 (goal ≤ %s)\n\n", open, consoleGoal)
	fmt.Fprintln(w, "| page | requests | errors | p50 ms | p95 ms | goal |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---|")
	for _, r := range rows {
		mark := "✓"
		if len(r.Lats) == 0 || r.Errors > 0 || r.pct(0.95) > consoleGoal {
			mark = "✗"
		}
		fmt.Fprintf(w, "| %s | %d | %d | %s | %s | %s %s |\n", r.Name, r.Requests, r.Errors, ms(r.pct(0.5)), ms(r.pct(0.95)), mark,
			strings.ReplaceAll(r.Note+" "+r.ErrSample, "|", "/"))
	}
}
