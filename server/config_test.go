package server

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func envOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestProductionRefusesMissingOrWeakSecrets(t *testing.T) {
	t.Parallel()
	cfg, err := LoadConfig(envOf(map[string]string{
		"MONGODB_URI":              "mongodb://db.example:27017/?replicaSet=rs0",
		"RATE_LIMIT_SECRET":        "short",
		"BOOTSTRAP_ADMIN_EMAIL":    "admin@example.org",
		"BOOTSTRAP_ADMIN_PASSWORD": "weak",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Embedded {
		t.Fatal("MONGODB_URI set but config says embedded")
	}
	err = cfg.Validate()
	if err == nil {
		t.Fatal("weak production config accepted")
	}
	for _, name := range []string{"JWT_SIGNING_KEY", "DATA_KEYS", "RATE_LIMIT_SECRET", "WEBHOOK_SECRET", "AUDIT_KEYS", "RECEIPT_KEYS", "BOOTSTRAP_ADMIN_PASSWORD"} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error does not name %s: %v", name, err)
		}
	}
	if strings.Join(cfg.MFARequiredRoles, ",") != "admin,supervisor,officer,commissioner,partner_practitioner,partner_lead" {
		t.Errorf("production MFA roles: got %v", cfg.MFARequiredRoles)
	}
}

func TestSecretsFromFiles(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "webhook")
	if err := os.WriteFile(path, []byte(strings.Repeat("w", 40)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := LoadConfig(envOf(map[string]string{"WEBHOOK_SECRET_FILE": path}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.WebhookSecret != strings.Repeat("w", 40) {
		t.Errorf("got %q from WEBHOOK_SECRET_FILE", cfg.WebhookSecret)
	}
	if _, err := LoadConfig(envOf(map[string]string{"DATA_KEYS_FILE": "/nonexistent/keys"})); err == nil || !strings.Contains(err.Error(), "DATA_KEYS_FILE") {
		t.Errorf("unreadable DATA_KEYS_FILE: got %v", err)
	}
}

func TestDevelopmentKeysAreGeneratedOnceAndReused(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	first, _ := LoadConfig(envOf(map[string]string{"DATA_DIR": dir}))
	generated, err := fillDevSecrets(&first)
	if err != nil || !generated {
		t.Fatalf("first start: generated=%v err=%v", generated, err)
	}
	if err := first.Validate(); err != nil {
		t.Fatalf("development config invalid: %v", err)
	}
	second, _ := LoadConfig(envOf(map[string]string{"DATA_DIR": dir}))
	generated, err = fillDevSecrets(&second)
	if err != nil || generated {
		t.Fatalf("second start: generated=%v err=%v", generated, err)
	}
	if first.JWTSigningKeys != second.JWTSigningKeys || first.DataKeys != second.DataKeys || first.AuditKeys != second.AuditKeys {
		t.Error("development keys changed across restarts")
	}
	info, err := os.Stat(filepath.Join(dir, "dev-secrets.json"))
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("dev-secrets.json: %v, mode %v; want 0600", err, info.Mode().Perm())
	}
}

func TestBadValuesAreNamed(t *testing.T) {
	t.Parallel()
	cfg, err := LoadConfig(envOf(map[string]string{"ESCALATION_MIN_DELAY": "soon", "BODY_LIMIT": "x"}))
	if err == nil || !strings.Contains(err.Error(), "ESCALATION_MIN_DELAY") || !strings.Contains(err.Error(), "BODY_LIMIT") {
		t.Errorf("got %v, want errors naming ESCALATION_MIN_DELAY and BODY_LIMIT", err)
	}
	cfg.TrustedProxies = []string{"10.0.0.0/8", "proxy.example"}
	cfg.LogFormat = "xml"
	err = cfg.Validate()
	for _, name := range []string{"TRUSTED_PROXIES", "LOG_FORMAT"} {
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("error does not name %s: %v", name, err)
		}
	}
}

func TestSecurity21AuditKeysAreRequiredAndChecked(t *testing.T) {
	t.Parallel()
	for value, want := range map[string]string{
		"":                              "AUDIT_KEYS: missing",
		"k1:c2hvcnQ":                    "AUDIT_KEYS key \"k1\": decodes to 5 bytes",
		"nokid":                         "AUDIT_KEYS entry 1",
		"k1:" + strings.Repeat("A", 43): "",
	} {
		cfg, err := LoadConfig(envOf(map[string]string{"MONGODB_URI": "mongodb://db.example/", "AUDIT_KEYS": value}))
		if err != nil {
			t.Fatal(err)
		}
		err = cfg.Validate()
		got := err != nil && strings.Contains(err.Error(), "AUDIT_KEYS")
		if want == "" && got || want != "" && (err == nil || !strings.Contains(err.Error(), want)) {
			t.Errorf("AUDIT_KEYS=%q: got %v, want %q", value, err, want)
		}
	}
}

// A development data directory from before AUDIT_KEYS existed gains an
// audit key on the next start, and keeps it.
func TestDevelopmentSecretsGainAnAuditKey(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	old := `{"jwtSigningKey":"dev1:` + strings.Repeat("A", 43) + `","dataKeys":"dev1:` + strings.Repeat("B", 43) +
		`","rateLimitSecret":"` + strings.Repeat("c", 43) + `","webhookSecret":"` + strings.Repeat("d", 43) + `"}`
	if err := os.WriteFile(filepath.Join(dir, "dev-secrets.json"), []byte(old), 0o600); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for range 2 {
		cfg, _ := LoadConfig(envOf(map[string]string{"DATA_DIR": dir}))
		if _, err := fillDevSecrets(&cfg); err != nil {
			t.Fatal(err)
		}
		if err := cfg.Validate(); err != nil {
			t.Fatalf("development config invalid: %v", err)
		}
		keys = append(keys, cfg.AuditKeys)
	}
	if keys[0] == "" || keys[0] != keys[1] {
		t.Errorf("audit keys across restarts: %q", keys)
	}
}
