package server_test

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"speaksafe/apptest"
	"speaksafe/server"
)

// The demo seeds a force whose officer can sign in with the printed
// password (and has a TOTP secret), a default policy and reports in the
// queue; a second start only prints; production mode refuses.
func TestDemoSeedsOnceAndOnlyInDevelopment(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	var out bytes.Buffer
	if err := app.SeedDemo(context.Background(), &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"/console/", "officer@demo.test", "demo password officer", "lead@demo.test", "mash@demo.test", "pcc@demo.test"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("demo output lacks %q:\n%s", want, out.String())
		}
	}
	res := app.Post(t, "/v1/auth/login", "", map[string]string{"email": "teacher@demo.test", "password": "demo password school_staff"})
	if res.Status != http.StatusOK {
		t.Fatalf("teacher sign-in: %d %s", res.Status, res.Body)
	}
	res = app.Post(t, "/v1/auth/login", "", map[string]string{"email": "officer@demo.test", "password": "demo password officer"})
	if res.Status != http.StatusBadRequest || !strings.Contains(string(res.Body), "totpCode") {
		t.Errorf("officer sign-in without a code: %d %s, want 400 asking for the TOTP code", res.Status, res.Body)
	}
	res = app.Post(t, "/v1/auth/login", "", map[string]string{"email": "mash@demo.test", "password": "demo password partner_practitioner"})
	if res.Status != http.StatusBadRequest || !strings.Contains(string(res.Body), "totpCode") {
		t.Errorf("MASH practitioner sign-in without a code: %d %s, want 400 asking for the TOTP code", res.Status, res.Body)
	}
	var again bytes.Buffer
	if err := app.SeedDemo(context.Background(), &again); err != nil || again.String() != out.String() {
		t.Errorf("second start: %v, printed %q, want the same users", err, again.String())
	}

	prod := apptest.New(t, apptest.WithConfig(func(c *server.Config) {
		c.Mode = server.ModeProduction
		c.MFARequiredRoles = []string{"admin", "supervisor", "officer", "commissioner", "partner_practitioner", "partner_lead"}
		c.FCMEndpoint = "http://127.0.0.1:1/v1"
	}))
	if err := prod.SeedDemo(context.Background(), &bytes.Buffer{}); err == nil {
		t.Error("production mode seeded demo users")
	}
	if _, err := os.Stat(filepath.Join(prod.Cfg.DataDir, "demo-users.json")); err == nil {
		t.Error("production mode wrote demo credentials")
	}
}
