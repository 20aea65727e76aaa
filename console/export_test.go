package console_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"speaksafe/accounts"
	"speaksafe/apptest"
)

// An officer downloads a case's signed export from the case screen: a
// form post (CSRF required), scoped like the API (another force's officer
// gets 404), never cached, and the export itself is in the bundle's
// history.
func TestOfficerExportsACaseFromTheConsole(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	force, other := app.CreateForce(t, ""), app.CreateForce(t, "")
	officer := person(t, app, accounts.RoleOfficer, force.ID)
	stranger := person(t, app, accounts.RoleOfficer, other.ID)
	ref := handleReport(t, app, force.Code, "export_me_42")

	b := signIn(t, app, officer, "")
	id := caseIDOf(t, b, ref)
	mustContain(t, "case", b.get("/console/cases/"+id), `action="/console/cases/`+id+`/export"`)

	if p := b.do(http.MethodPost, "/console/cases/"+id+"/export", url.Values{}, nil); p.Status != http.StatusForbidden {
		t.Errorf("export without the CSRF token: %d, want 403", p.Status)
	}
	p := b.post("/console/cases/"+id, "/console/cases/"+id+"/export", nil)
	if p.Status != http.StatusOK {
		t.Fatalf("export: %d: %.300s", p.Status, p.Body)
	}
	if cd := p.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment") {
		t.Errorf("Content-Disposition %q, want an attachment", cd)
	}
	if cc := p.Header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
		t.Errorf("Cache-Control %q, want no-store", cc)
	}
	var bundle struct {
		Bundle    json.RawMessage `json:"bundle"`
		Signature json.RawMessage `json:"signature"`
	}
	if err := json.Unmarshal([]byte(p.Body), &bundle); err != nil || len(bundle.Signature) == 0 || len(bundle.Bundle) == 0 {
		t.Fatalf("export is not a signed bundle (%v): %.300s", err, p.Body)
	}
	if !strings.Contains(string(bundle.Bundle), ref) || !strings.Contains(string(bundle.Bundle), "case.exported") {
		t.Errorf("the bundle lacks the case reference or its own export in the history: %.500s", bundle.Bundle)
	}

	s := signIn(t, app, stranger, "")
	if p := s.post("/console/cases", "/console/cases/"+id+"/export", nil); p.Status != http.StatusNotFound {
		t.Errorf("another force's officer exporting: %d, want 404", p.Status)
	}
}
