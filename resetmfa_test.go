package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"
)

// postJSON posts body to path and decodes the answer into out.
func (p *process) postJSON(t *testing.T, path string, body, out any) int {
	t.Helper()
	b, _ := json.Marshal(body)
	res, err := http.Post("http://"+p.addr+path, "application/json", strings.NewReader(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if out != nil {
		_ = json.NewDecoder(res.Body).Decode(out)
	}
	return res.StatusCode
}

type loginAnswer struct {
	AccessToken    string `json:"accessToken"`
	EnrolmentToken string `json:"enrolmentToken"`
}

// An admin who lost their authenticator: reset-mfa from the binary removes
// the factor and kills their live token, the next sign-in enrols again,
// and audit export shows who did it.
func TestResetMFAAndAuditExportThroughTheBinary(t *testing.T) {
	t.Parallel()
	const email, password = "mfa.admin@example.test", "a long enough bootstrap password"
	since := time.Now().Add(-time.Minute).UTC().Format(time.RFC3339)
	dataDir := t.TempDir()
	env := []string{"DATA_DIR=" + dataDir}
	p := start(t, "DATA_DIR="+dataDir, "MFA_REQUIRED_ROLES=admin", "BOOTSTRAP_ADMIN_EMAIL="+email, "BOOTSTRAP_ADMIN_PASSWORD="+password)
	p.waitFor(t, "/readyz", http.StatusOK)
	creds := map[string]string{"email": email, "password": password}
	_, enrolled := p.enrolTOTP(t, creds)
	var noCode loginAnswer
	if got := p.postJSON(t, "/v1/auth/login", creds, &noCode); got == http.StatusOK || noCode.AccessToken != "" || noCode.EnrolmentToken != "" {
		t.Fatalf("login without the code once enrolled: %d %+v, want a refusal", got, noCode)
	}

	if code, out, errOut := runCLI(t, "", env, "user", "reset-mfa", strings.ToUpper(email)); code != 0 || !strings.Contains(out, "reset MFA of "+email) {
		t.Fatalf("reset-mfa: exit %d\n%s%s", code, out, errOut)
	}
	if got := p.call(t, "GET", "/v1/me", enrolled.AccessToken, ""); got != http.StatusUnauthorized {
		t.Errorf("GET /v1/me with the token from before the reset: %d, want 401", got)
	}
	var after loginAnswer
	if got := p.postJSON(t, "/v1/auth/login", creds, &after); got != http.StatusOK || after.EnrolmentToken == "" || after.AccessToken != "" {
		t.Errorf("login after the reset: %d %+v, want enrolment again", got, after)
	}
	if code, _, errOut := runCLI(t, "", env, "user", "reset-mfa", "nobody@example.test"); code != 1 || !strings.Contains(errOut, "no user") {
		t.Errorf("reset-mfa of an unknown address: exit %d %q, want 1", code, errOut)
	}

	exitCode, out, errOut := runCLI(t, "", env, "audit", "export", "--since", since)
	if exitCode != 0 {
		t.Fatalf("audit export: exit %d\n%s", exitCode, errOut)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	found := false
	for _, line := range lines {
		var r struct {
			Seq                       int64
			Actor, Action, ObjectType string
		}
		if err := json.Unmarshal([]byte(line), &r); err != nil || r.Seq == 0 {
			t.Fatalf("export line is not one entry: %q %v", line, err)
		}
		found = found || (r.Action == "user.mfa_reset" && r.Actor == "operator:cli" && r.ObjectType == "user")
	}
	if !found {
		t.Errorf("no user.mfa_reset by operator:cli in the export:\n%s", out)
	}
	if !oneSummaryLine(errOut, "audit export: ") {
		t.Errorf("export's stderr off a terminal: %q, want one summary line", errOut)
	}
	early := time.Now().Add(-time.Hour).UTC()
	if code, out, errOut := runCLI(t, "", env, "audit", "export", "-since", early.Format(time.RFC3339), "-until", early.Add(time.Second).Format(time.RFC3339)); code != 0 || out != "" {
		t.Errorf("export of an hour with no entries: exit %d %q %s", code, out, errOut)
	}
	if code, out, errOut := runCLI(t, "", env, "audit", "verify"); code != 0 || !oneSummaryLine(errOut, "audit verify: ") || !strings.Contains(errOut, "entries checked") {
		t.Errorf("audit verify: exit %d %q, want one summary line on stderr %q", code, out, errOut)
	}
	p.stop(t)
}

// oneSummaryLine: off a terminal, a command's progress is one line, and no
// line is rewritten in place.
func oneSummaryLine(stderr, label string) bool {
	n := 0
	for _, line := range strings.Split(stderr, "\n") {
		if strings.HasPrefix(line, label) {
			n++
		}
	}
	return n == 1 && !strings.Contains(stderr, "\r")
}

// enrolTOTP signs in with creds (a role that must enrol), enrols TOTP and
// answers its secret and the session it gives.
func (p *process) enrolTOTP(t *testing.T, creds map[string]string) (string, loginAnswer) {
	t.Helper()
	var first loginAnswer
	if got := p.postJSON(t, "/v1/auth/login", creds, &first); got != http.StatusOK || first.EnrolmentToken == "" {
		t.Fatalf("first login: %d %+v, want an enrolment token", got, first)
	}
	var enrol struct{ Secret string }
	if got := p.postJSON(t, "/v1/auth/mfa/totp", map[string]string{"enrolmentToken": first.EnrolmentToken}, &enrol); got != http.StatusOK {
		t.Fatalf("enrol: %d", got)
	}
	code, err := totp.GenerateCode(enrol.Secret, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	var enrolled loginAnswer
	if got := p.postJSON(t, "/v1/auth/mfa/totp/confirm", map[string]string{"enrolmentToken": first.EnrolmentToken, "code": code}, &enrolled); got != http.StatusOK || enrolled.AccessToken == "" {
		t.Fatalf("confirm: %d", got)
	}
	return enrol.Secret, enrolled
}

// A TOTP secret sealed under the old data key is resealed by rekey: after
// the old key is retired the admin still signs in with their authenticator.
func TestRekeyKeepsSecondFactorsWorking(t *testing.T) {
	t.Parallel()
	const email, password = "totp.admin@example.test", "a long enough bootstrap password"
	oldKey, newKey := "k1:"+randomKey(), "k2:"+randomKey()
	base := []string{"DATA_DIR=" + t.TempDir(), "MFA_REQUIRED_ROLES=admin"}
	env := func(keys string) []string { return append(append([]string{}, base...), "DATA_KEYS="+keys) }
	p := start(t, append(env(oldKey), "BOOTSTRAP_ADMIN_EMAIL="+email, "BOOTSTRAP_ADMIN_PASSWORD="+password)...)
	p.waitFor(t, "/readyz", http.StatusOK)
	creds := map[string]string{"email": email, "password": password}
	secret, _ := p.enrolTOTP(t, creds)
	p.stop(t)

	both := newKey + "," + oldKey
	p = start(t, env(both)...)
	p.waitFor(t, "/readyz", http.StatusOK)
	if code, out, errOut := runCLI(t, "", env(both), "rekey"); code != 0 || !strings.Contains(errOut, "1 values rewritten") {
		t.Fatalf("rekey: exit %d\n%s%s", code, out, errOut)
	}
	p.stop(t)

	p = start(t, env(newKey)...)
	p.waitFor(t, "/readyz", http.StatusOK)
	// Each time step's code is spent once (enrolment spent one): try the
	// steps the server accepts until one is fresh.
	var s loginAnswer
	got := 0
	for _, off := range []time.Duration{30 * time.Second, 0, -30 * time.Second} {
		code, err := totp.GenerateCode(secret, time.Now().Add(off))
		if err != nil {
			t.Fatal(err)
		}
		withCode := map[string]string{"email": email, "password": password, "totpCode": code}
		if got = p.postJSON(t, "/v1/auth/login", withCode, &s); got == http.StatusOK {
			break
		}
	}
	if got != http.StatusOK || s.AccessToken == "" {
		t.Errorf("sign-in with the authenticator after the old key was retired: %d %+v", got, s)
	}
	p.stop(t)
}
