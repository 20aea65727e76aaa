package server

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Item 15: receipts are hashed under RECEIPT_KEYS, which must be set and
// well formed wherever the server does not generate development keys.
func TestSecurity15ReceiptKeysAreRequiredAndChecked(t *testing.T) {
	t.Parallel()
	for value, want := range map[string]string{
		"":                              "RECEIPT_KEYS: missing",
		"k1:c2hvcnQ":                    "RECEIPT_KEYS key \"k1\": decodes to 5 bytes",
		"nokid":                         "RECEIPT_KEYS entry 1",
		"k1:" + strings.Repeat("A", 43): "",
	} {
		cfg, err := LoadConfig(envOf(map[string]string{"MONGODB_URI": "mongodb://db.example/", "RECEIPT_KEYS": value}))
		if err != nil {
			t.Fatal(err)
		}
		err = cfg.Validate()
		got := err != nil && strings.Contains(err.Error(), "RECEIPT_KEYS")
		if want == "" && got || want != "" && (err == nil || !strings.Contains(err.Error(), want)) {
			t.Errorf("RECEIPT_KEYS=%q: got %v, want %q", value, err, want)
		}
	}
}

func TestReceiptKeysFromFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "receipt-keys")
	want := "k1:" + strings.Repeat("A", 43)
	if err := os.WriteFile(path, []byte(want+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := LoadConfig(envOf(map[string]string{"RECEIPT_KEYS_FILE": path}))
	if err != nil || cfg.ReceiptKeys != want {
		t.Errorf("RECEIPT_KEYS_FILE: got %q, %v; want %q", cfg.ReceiptKeys, err, want)
	}
}

// A development data directory from before RECEIPT_KEYS existed gains a
// receipt key on the next start, and keeps it (receipts issued since must
// keep opening their cases after a restart).
func TestDevelopmentSecretsGainAReceiptKey(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	old := `{"jwtSigningKey":"dev1:` + strings.Repeat("A", 43) + `","dataKeys":"dev1:` + strings.Repeat("B", 43) +
		`","rateLimitSecret":"` + strings.Repeat("c", 43) + `","webhookSecret":"` + strings.Repeat("d", 43) +
		`","auditKeys":"dev1:` + strings.Repeat("E", 43) + `"}`
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
		keys = append(keys, cfg.ReceiptKeys)
	}
	if keys[0] == "" || keys[0] != keys[1] {
		t.Errorf("receipt keys across restarts: %q", keys)
	}
}
