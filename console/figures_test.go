package console_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"speaksafe/accounts"
	"speaksafe/apptest"
)

// A supervisor sees the force's figures, suppressed and rounded as in the
// API, with the charts as images from the console (static SVG, no
// script) and a CSV download; a commissioner sees the forces their office
// covers and gets 404 for another; officers and school staff are refused.
func TestFiguresScreen(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	force, other := app.CreateForce(t, ""), app.CreateForce(t, "")
	sup := person(t, app, accounts.RoleSupervisor, force.ID)
	officer := person(t, app, accounts.RoleOfficer, force.ID)
	pcc := commissioner(t, app, force.ID)
	for i := 0; i < 6; i++ {
		report(t, app, force.Code, false, "gifts")
	}
	report(t, app, force.Code, true, "meet me")

	b := signIn(t, app, sup, "")
	p := b.get("/console/figures")
	mustContain(t, "figures", p, `id="figures-total">5<`, "By category", "gifts or money", "&lt;5",
		`src="/console/figures/charts/weekly-volume.svg?`, `src="/console/figures/charts/outcomes.svg?`, `href="/console/figures/figures.csv?`)
	noStore(t, "figures", p)
	for _, src := range regexp.MustCompile(`<img src="([^"]+)"`).FindAllStringSubmatch(p.Body, -1) {
		c := b.get(strings.ReplaceAll(src[1], "&amp;", "&"))
		if c.Status != http.StatusOK || c.Header.Get("Content-Type") != "image/svg+xml" || !strings.Contains(c.Body, "<svg") {
			t.Fatalf("chart %s: %d %s %.200s", src[1], c.Status, c.Header.Get("Content-Type"), c.Body)
		}
		if strings.Contains(strings.ToLower(c.Body), "<script") || strings.Contains(c.Body, " on") && regexp.MustCompile(`\son[a-z]+=`).MatchString(c.Body) {
			t.Errorf("chart %s holds script", src[1])
		}
		if csp := c.Header.Get("Content-Security-Policy"); !strings.HasPrefix(csp, "default-src 'none'") || strings.Contains(csp, "script-src") {
			t.Errorf("chart %s: CSP %q", src[1], csp)
		}
		noStore(t, "chart", page{Header: c.Header})
	}
	csv := b.get(strings.ReplaceAll(find(t, `href="(/console/figures/figures.csv[^"]+)"`, p.Body), "&amp;", "&"))
	if csv.Status != http.StatusOK || !strings.HasPrefix(csv.Header.Get("Content-Type"), "text/csv") ||
		!strings.HasPrefix(csv.Body, "table,key,label,value") || !strings.Contains(csv.Body, "cases,total,,5") {
		t.Errorf("CSV: %d %s %.300s", csv.Status, csv.Header.Get("Content-Type"), csv.Body)
	}
	noStore(t, "CSV", csv)
	if p := b.get("/console/figures?forceId=" + other.ID); p.Status != http.StatusNotFound {
		t.Errorf("a supervisor asking for another force: %d, want 404", p.Status)
	}
	if p := b.get("/console/figures?from=yesterday"); p.Status != http.StatusBadRequest || !strings.Contains(p.Body, "from") {
		t.Errorf("a bad date: %d, want 400 naming from", p.Status)
	}

	c := signIn(t, app, pcc, "")
	if home := c.get("/console/"); home.Header.Get("Location") != "/console/figures" {
		t.Errorf("a commissioner's home: %d to %q, want the figures", home.Status, home.Header.Get("Location"))
	}
	mustContain(t, "figures as commissioner", c.get("/console/figures"), `id="figures-total">5<`)
	if p := c.get("/console/figures/charts/outcomes.svg?forceId=" + other.ID); p.Status != http.StatusNotFound {
		t.Errorf("a commissioner asking for a force their office does not cover: %d, want 404", p.Status)
	}
	caseID := caseIDOf(t, signIn(t, app, sup, ""), strings.Fields(report(t, app, force.Code, false, "more gifts"))[0])
	for _, path := range []string{"/console/cases", "/console/oncall", "/console/cases/" + caseID, "/console/cases/" + caseID + "/history", "/console/cases/" + caseID + "/audit"} {
		if p := c.get(path); p.Status != http.StatusForbidden {
			t.Errorf("a commissioner on %s: %d, want 403", path, p.Status)
		}
	}
	for _, path := range []string{"/console/figures", "/console/figures/figures.csv", "/console/figures/charts/outcomes.svg"} {
		if p := signIn(t, app, officer, "").get(path); p.Status != http.StatusForbidden {
			t.Errorf("an officer on %s: %d, want 403", path, p.Status)
		}
	}
}
