package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"speaksafe/internal/harness"
)

// `case export` beside a running server writes the case's signed bundle,
// audited as the operator's; `case verify-export` accepts the file and
// refuses it once a value in it changed; unknown and malformed references
// fail with exit 1 and 2.
func TestCaseExportCommandBesideARunningServer(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	const email, password = "export.admin@example.test", "a long enough bootstrap password"
	dataDir := t.TempDir()
	env := []string{"DATA_DIR=" + dataDir}
	p := start(t, "DATA_DIR="+dataDir, "BOOTSTRAP_ADMIN_EMAIL="+email, "BOOTSTRAP_ADMIN_PASSWORD="+password)
	p.waitFor(t, "/readyz", http.StatusOK)
	token := p.login(t, email, password)
	if got := p.call(t, "POST", "/v1/organisations", token, `{"kind":"force","name":"Wessex Police","code":"wessex"}`); got != http.StatusCreated {
		t.Fatalf("create organisation: got %d", got)
	}
	client := harness.NewClient("http://"+p.addr, 1)
	status, r, err := client.SubmitReport(ctx, harness.ReportBody("wessex", false, "EXPORT-MARKER"), "ex-"+harness.RandomHex(16))
	if err != nil || status != http.StatusCreated {
		t.Fatalf("report: %d %v", status, err)
	}

	code, out, errOut := runCLI(t, "", env, "case", "export", r.Reference)
	if code != 0 || !strings.Contains(out, r.Reference) || !strings.Contains(out, "EXPORT-MARKER") || !strings.Contains(out, `"alg": "Ed25519"`) {
		t.Fatalf("case export: exit %d\n%.400s\n%s", code, out, errOut)
	}
	file := filepath.Join(t.TempDir(), "bundle.json")
	if code, _, errOut := runCLI(t, "", env, "case", "export", "--out", file, r.Reference); code != 0 {
		t.Fatalf("case export --out: exit %d %s", code, errOut)
	}
	if code, _, errOut := runCLI(t, "", env, "case", "export", "--out", file, r.Reference); code != 1 || !strings.Contains(errOut, "exists") {
		t.Errorf("case export over an existing file: exit %d %q, want 1", code, errOut)
	}
	if code, out, errOut := runCLI(t, "", env, "case", "verify-export", file); code != 0 || !strings.Contains(out, "genuine export of case "+r.Reference) {
		t.Errorf("verify-export of the bundle: exit %d\n%s%s", code, out, errOut)
	}
	// A records office holding only the audit keys can check it too.
	var dev struct{ AuditKeys string }
	devFile, _ := os.ReadFile(filepath.Join(dataDir, "dev-secrets.json"))
	if err := json.Unmarshal(devFile, &dev); err != nil || dev.AuditKeys == "" {
		t.Fatalf("dev-secrets.json: %v", err)
	}
	keysOnly := []string{"AUDIT_KEYS=" + dev.AuditKeys, "DATA_DIR=" + t.TempDir()}
	if code, out, errOut := runCLI(t, "", keysOnly, "case", "verify-export", file); code != 0 || !strings.Contains(out, "public key audit-") {
		t.Errorf("verify-export with AUDIT_KEYS only: exit %d\n%s%s", code, out, errOut)
	}
	if code, _, _ := runCLI(t, "", []string{"AUDIT_KEYS=k9:" + randomKey(), "DATA_DIR=" + t.TempDir()}, "case", "verify-export", file); code != 1 {
		t.Errorf("verify-export under another installation's keys: exit %d, want 1", code)
	}
	b, _ := os.ReadFile(file)
	tampered := filepath.Join(t.TempDir(), "tampered.json")
	os.WriteFile(tampered, bytes.Replace(b, []byte(`"urgent": false`), []byte(`"urgent": true`), 1), 0o600)
	if code, _, errOut := runCLI(t, "", env, "case", "verify-export", tampered); code != 1 || !strings.Contains(errOut, "NOT a genuine") {
		t.Errorf("verify-export of a changed bundle: exit %d %q, want 1", code, errOut)
	}
	if code, _, errOut := runCLI(t, "", env, "case", "export", "SS-AAAA-AAAA"); code != 1 || !strings.Contains(errOut, "no case with reference") {
		t.Errorf("export of an unknown reference: exit %d %q, want 1", code, errOut)
	}
	if code, _, _ := runCLI(t, "", env, "case", "export", "not-a-reference"); code != 2 {
		t.Errorf("export of a malformed reference: exit %d, want 2", code)
	}
	code, out, errOut = runCLI(t, "", env, "audit", "export", "--since", "2000-01-01T00:00:00Z")
	if code != 0 || !strings.Contains(out, `"actor":"operator:cli","action":"case.exported"`) {
		t.Errorf("the command's export is not in the audit log: exit %d\n%s", code, errOut)
	}
	p.stop(t)

	// With the server stopped the command runs the store itself.
	if code, out, errOut := runCLI(t, "", env, "case", "export", r.Reference); code != 0 || !strings.Contains(out, r.Reference) {
		t.Errorf("case export on a stopped server: exit %d %s", code, errOut)
	}
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"case", "export", "--help"}, 0, "Usage: speaksafe case export [--out FILE] REFERENCE"},
		{[]string{"case", "verify-export", "--help"}, 0, "Usage: speaksafe case verify-export FILE"},
		{[]string{"case", "export"}, 2, "wants 1 argument"},
	} {
		if code, out, errOut := runCLI(t, "", env, tc.args...); code != tc.code || !strings.Contains(out+errOut, tc.want) {
			t.Errorf("speaksafe %s: exit %d, want %d and %q in:\n%s%s", strings.Join(tc.args, " "), code, tc.code, tc.want, out, errOut)
		}
	}
}
