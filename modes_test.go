package main

import (
	"encoding/json"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The mode rules, as an operator meets them: what starts, what refuses and
// what the refusal names.

// productionEnv is a complete production configuration on the embedded
// store, except for what a test leaves out.
func productionEnv(t *testing.T) []string {
	return []string{
		"DATA_DIR=" + t.TempDir(),
		"JWT_SIGNING_KEY=k1:" + randomKey(), "DATA_KEYS=k1:" + randomKey(),
		"RATE_LIMIT_SECRET=" + randomKey(), "WEBHOOK_SECRET=" + randomKey(), "AUDIT_KEYS=k1:" + randomKey(), "RECEIPT_KEYS=k1:" + randomKey(),
		// Nothing answers here; no page is sent in these tests.
		"FCM_ENDPOINT=http://127.0.0.1:1/",
	}
}

func TestProductionModeRefusesToStartAndNamesWhatIsMissing(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		env  func(t *testing.T, port string) []string
		want []string
	}{
		{"network address, embedded store, nothing set", func(t *testing.T, port string) []string {
			return []string{"LISTEN_ADDR=0.0.0.0:" + port, "DATA_DIR=" + t.TempDir()}
		}, []string{"LISTEN_ADDR 0.0.0.0:", "JWT_SIGNING_KEY", "DATA_KEYS", "RATE_LIMIT_SECRET", "WEBHOOK_SECRET", "RECEIPT_KEYS", "FIREBASE_PROJECT_ID", "SPEAKSAFE_MODE=development"}},
		{"SPEAKSAFE_MODE=production on loopback", func(t *testing.T, _ string) []string {
			return []string{"SPEAKSAFE_MODE=production", "DATA_DIR=" + t.TempDir()}
		}, []string{"SPEAKSAFE_MODE=production", "JWT_SIGNING_KEY", "DATA_KEYS", "RATE_LIMIT_SECRET", "WEBHOOK_SECRET", "RECEIPT_KEYS", "FIREBASE_PROJECT_ID"}},
		{"weak secrets, MFA off and no push", func(t *testing.T, _ string) []string {
			return []string{"SPEAKSAFE_MODE=production", "DATA_DIR=" + t.TempDir(),
				"JWT_SIGNING_KEY=k1:" + randomKey(), "DATA_KEYS=k1:" + randomKey(),
				"RATE_LIMIT_SECRET=short", "WEBHOOK_SECRET=" + randomKey(), "AUDIT_KEYS=k1:" + randomKey(), "RECEIPT_KEYS=k1:" + randomKey(), "MFA_REQUIRED_ROLES=school_staff"}
		}, []string{"RATE_LIMIT_SECRET: too weak", "MFA_REQUIRED_ROLES", "admin, supervisor, officer", "FIREBASE_PROJECT_ID"}},
		{"credentials without a project", func(t *testing.T, _ string) []string {
			env := productionEnv(t)
			env[len(env)-1] = "GOOGLE_APPLICATION_CREDENTIALS=/etc/speaksafe/fcm.json"
			return append(env, "SPEAKSAFE_MODE=production")
		}, []string{"FIREBASE_PROJECT_ID: missing"}},
		{"MongoDB without a mode stays production", func(t *testing.T, _ string) []string {
			return []string{"MONGODB_URI=mongodb://127.0.0.1:1/", "DATA_DIR=" + t.TempDir()}
		}, []string{"MONGODB_URI is set", "JWT_SIGNING_KEY", "FIREBASE_PROJECT_ID"}},
		{"an unknown mode", func(t *testing.T, _ string) []string {
			return []string{"SPEAKSAFE_MODE=staging", "DATA_DIR=" + t.TempDir()}
		}, []string{"SPEAKSAFE_MODE", "staging"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, port, _ := net.SplitHostPort(freeAddr(t))
			env := tc.env(t, port)
			p := start(t, env...)
			err := p.cmd.Wait()
			if code := p.cmd.ProcessState.ExitCode(); err == nil || code != 1 {
				t.Fatalf("exit code %d, want 1 (refused to start); logs:\n%s", code, p.logs.String())
			}
			for _, want := range tc.want {
				if !strings.Contains(p.logs.String(), want) {
					t.Errorf("refusal does not say %q:\n%s", want, p.logs.String())
				}
			}
			for _, kv := range env {
				if dir, ok := strings.CutPrefix(kv, "DATA_DIR="); ok {
					if _, err := os.Stat(filepath.Join(dir, "dev-secrets.json")); err == nil {
						t.Error("a refused production start generated development keys")
					}
				}
			}
		})
	}
}

// A pilot on one node: the embedded store in production mode starts, and an
// admin must enrol MFA before getting a token.
func TestProductionModeOnTheEmbeddedStoreRequiresMFA(t *testing.T) {
	t.Parallel()
	const email, password = "pilot.admin@example.test", "a long enough bootstrap password"
	env := append(productionEnv(t), "SPEAKSAFE_MODE=production",
		"BOOTSTRAP_ADMIN_EMAIL="+email, "BOOTSTRAP_ADMIN_PASSWORD="+password)
	p := start(t, env...)
	p.waitFor(t, "/readyz", http.StatusOK)
	body, _ := json.Marshal(map[string]string{"email": email, "password": password})
	res, err := http.Post("http://"+p.addr+"/v1/auth/login", "application/json", strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var got struct {
		AccessToken    string `json:"accessToken"`
		EnrolmentToken string `json:"enrolmentToken"`
	}
	if err := json.NewDecoder(res.Body).Decode(&got); err != nil {
		t.Fatal(err)
	}
	if got.AccessToken != "" || got.EnrolmentToken == "" {
		t.Errorf("admin login in production: got access token %t, enrolment token %t; want MFA enrolment first",
			got.AccessToken != "", got.EnrolmentToken != "")
	}
	if strings.Contains(p.logs.String(), "development mode") {
		t.Errorf("production instance logs development mode:\n%s", p.logs.String())
	}
	p.stop(t)
}

// Development mode on a network address must be asked for, and then keeps
// saying so.
func TestDevelopmentModeOnANetworkAddressIsExplicitAndWarns(t *testing.T) {
	t.Parallel()
	_, port, _ := net.SplitHostPort(freeAddr(t))
	p := start(t, "LISTEN_ADDR=0.0.0.0:"+port, "SPEAKSAFE_MODE=development", "DATA_DIR="+t.TempDir())
	p.addr = "127.0.0.1:" + port
	p.waitFor(t, "/readyz", http.StatusOK)
	if !strings.Contains(p.logs.String(), "DEVELOPMENT MODE ON A NETWORK ADDRESS") {
		t.Errorf("no warning about development mode on 0.0.0.0:\n%s", p.logs.String())
	}
	p.stop(t)
}
