package console_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"speaksafe/accounts"
	"speaksafe/apptest"
	"speaksafe/audit"
)

// handleReport files a routine report naming an online handle and answers
// its case reference.
func handleReport(t *testing.T, app *apptest.App, forceCode, handle string) string {
	t.Helper()
	key := make([]byte, 16)
	_, _ = rand.Read(key)
	res := app.Do(t, apptest.Request{Method: http.MethodPost, Path: "/v1/reports", Body: map[string]any{
		"forceCode": forceCode, "category": "gifts_or_money", "whatHappened": "he sends me credits",
		"answers": map[string]any{"handles": []map[string]string{{"platform": "instagram", "handle": handle}}}},
		Header: map[string]string{"Idempotency-Key": hex.EncodeToString(key)}})
	if res.Status != http.StatusCreated {
		t.Fatalf("report: %d %s", res.Status, res.Body)
	}
	var out struct{ Reference string }
	res.Decode(t, &out)
	return out.Reference
}

// caseIDOf finds the id of the case with reference ref in b's queue.
func caseIDOf(t *testing.T, b *browser, ref string) string {
	t.Helper()
	return find(t, `href="/console/cases/([^"]+)">`+ref+`<`, b.get("/console/cases").Body)
}

// commissioner makes an oversight office covering forces and a
// commissioner in it.
func commissioner(t *testing.T, app *apptest.App, forces ...string) accounts.User {
	t.Helper()
	store := accounts.NewStore(app.DB, nil, app.Clock.Now, audit.RecorderFunc(func(context.Context, audit.Entry) error { return nil }))
	suffix := make([]byte, 4)
	_, _ = rand.Read(suffix)
	org, err := store.CreateOrganisation(adminCtx(), accounts.Organisation{Kind: accounts.OrgOversight,
		Name: "PCC office " + forces[0], Code: "pcc-" + hex.EncodeToString(suffix), ForceIDs: forces})
	if err != nil {
		t.Fatal(err)
	}
	return person(t, app, accounts.RoleCommissioner, org.ID)
}

// noStore fails unless p may not be stored by the browser and allows no
// inline script.
func noStore(t *testing.T, what string, p page) {
	t.Helper()
	if cc := p.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("%s: Cache-Control %q, want no-store", what, cc)
	}
	if csp := p.Header.Get("Content-Security-Policy"); csp == "" || strings.Contains(csp, "script-src 'unsafe-inline'") ||
		(strings.Contains(csp, "script-src") && !strings.Contains(csp, "script-src 'self'")) {
		t.Errorf("%s: CSP %q", what, csp)
	}
	if strings.Contains(p.Body, "<script>") || strings.Contains(p.Body, " onclick=") || strings.Contains(p.Body, " onload=") {
		t.Errorf("%s: inline script", what)
	}
}

// forged posts form to path without a CSRF token and wants 403.
func forged(t *testing.T, b *browser, path string, form url.Values) {
	t.Helper()
	if p := b.do(http.MethodPost, path, form, nil); p.Status != http.StatusForbidden {
		t.Errorf("%s without a CSRF token: got %d, want 403", path, p.Status)
	}
}
