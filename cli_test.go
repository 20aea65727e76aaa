package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"speaksafe/database"
	"speaksafe/internal/harness"
)

// Operator commands beside a running server on the embedded store: they
// share its store, and what they change is live at once.
func TestUserCommandsBesideARunningServer(t *testing.T) {
	t.Parallel()
	const email, password = "first.admin@example.test", "a long enough bootstrap password"
	dataDir := t.TempDir()
	env := []string{"DATA_DIR=" + dataDir}
	p := start(t, "DATA_DIR="+dataDir, "BOOTSTRAP_ADMIN_EMAIL="+email, "BOOTSTRAP_ADMIN_PASSWORD="+password)
	p.waitFor(t, "/readyz", http.StatusOK)

	const second, secondPassword = "second.admin@example.test", "another long enough password"
	code, out, errOut := runCLI(t, secondPassword+"\n", env, "user", "create-admin", second)
	if code != 0 || !strings.Contains(out, "created admin "+second) {
		t.Fatalf("create-admin: exit %d\n%s%s", code, out, errOut)
	}
	token := p.login(t, second, secondPassword)
	if got := p.call(t, "GET", "/v1/me", token, ""); got != http.StatusOK {
		t.Fatalf("GET /v1/me as the new admin: %d", got)
	}
	if code, _, errOut := runCLI(t, secondPassword+"\n", env, "user", "create-admin", second); code != 1 {
		t.Errorf("create-admin of an existing address: exit %d %q, want 1", code, errOut)
	}

	if code, out, errOut := runCLI(t, "", env, "user", "disable", second); code != 0 || !strings.Contains(out, "disabled "+second) {
		t.Fatalf("disable: exit %d\n%s%s", code, out, errOut)
	}
	if got := p.call(t, "GET", "/v1/me", token, ""); got != http.StatusUnauthorized {
		t.Errorf("GET /v1/me with a disabled admin's live token: %d, want 401", got)
	}
	if got := p.call(t, "POST", "/v1/auth/login", "", fmt.Sprintf(`{"email":%q,"password":%q}`, second, secondPassword)); got != http.StatusUnauthorized {
		t.Errorf("login of a disabled admin: %d, want 401", got)
	}
	if code, _, errOut := runCLI(t, "", env, "user", "disable", "nobody@example.test"); code != 1 || !strings.Contains(errOut, "no user") {
		t.Errorf("disable of an unknown address: exit %d %q, want 1", code, errOut)
	}

	code, out, errOut = runCLI(t, "", env, "audit", "verify")
	if code != 0 || !strings.Contains(out, "audit chain intact") {
		t.Errorf("audit verify: exit %d\n%s%s", code, out, errOut)
	}
	// A second server on the same files is refused, naming the first.
	twin := start(t, "DATA_DIR="+dataDir)
	if err := twin.cmd.Wait(); err == nil || !strings.Contains(twin.logs.String(), "in use by process") {
		t.Errorf("second server on one DATA_DIR: %v\n%s", err, twin.logs.String())
	}
	p.stop(t)

	// With the server stopped the command runs the store itself; the
	// password may come from a file.
	pwFile := filepath.Join(t.TempDir(), "pw")
	os.WriteFile(pwFile, []byte("a third long enough password\n"), 0o600)
	if code, out, errOut := runCLI(t, "", append(env, "ADMIN_PASSWORD_FILE="+pwFile), "user", "create-admin", "third@example.test"); code != 0 {
		t.Fatalf("create-admin on a stopped server: exit %d\n%s%s", code, out, errOut)
	}
	again := start(t, "DATA_DIR="+dataDir)
	again.waitFor(t, "/readyz", http.StatusOK)
	again.login(t, "third@example.test", "a third long enough password")
	again.stop(t)
}

// A DATA_DIR held by something other than a server (a restore, another
// command) is not shared: the command says who holds it and changes nothing.
func TestCommandsRefuseADataDirTheyCannotShare(t *testing.T) {
	t.Parallel()
	dataDir := t.TempDir()
	lock, err := database.LockDataDir(dataDir, "restore")
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Release()
	code, _, errOut := runCLI(t, "a long enough password\n", []string{"DATA_DIR=" + dataDir}, "user", "create-admin", "x@example.test")
	if code != 1 || !strings.Contains(errOut, fmt.Sprintf("in use by process %d (restore)", os.Getpid())) {
		t.Errorf("create-admin on a held DATA_DIR: exit %d %q", code, errOut)
	}
	if _, err := os.Stat(filepath.Join(dataDir, "db")); err == nil {
		t.Error("the refused command opened a store in DATA_DIR")
	}
}

// Against MONGODB_URI the commands change the shared database, the change
// is in the audit chain, and audit verify notices an edited entry.
func TestCommandsAgainstMongoDB(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	storeAddr := freeAddr(t)
	store, err := harness.StartStore(ctx, storeBinary, storeAddr, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(store.Kill)
	uri := "mongodb://" + storeAddr + "/"
	env := []string{"MONGODB_URI=" + uri, "MONGODB_DATABASE=ops", "DATA_DIR=" + t.TempDir(),
		"JWT_SIGNING_KEY=k1:" + randomKey(), "DATA_KEYS=k1:" + randomKey(),
		"RATE_LIMIT_SECRET=" + randomKey(), "WEBHOOK_SECRET=" + randomKey(), "AUDIT_KEYS=k1:" + randomKey(), "RECEIPT_KEYS=k1:" + randomKey(), "FCM_ENDPOINT=http://127.0.0.1:1/"}
	const email, password = "mongo.admin@example.test", "a long enough admin password"
	if code, out, errOut := runCLI(t, "", append(env, "ADMIN_PASSWORD="+password), "user", "create-admin", email); code != 0 {
		t.Fatalf("create-admin: exit %d\n%s%s", code, out, errOut)
	}
	p := start(t, env...)
	p.waitFor(t, "/readyz", http.StatusOK)
	body := fmt.Sprintf(`{"email":%q,"password":%q}`, email, password)
	if got := p.call(t, "POST", "/v1/auth/login", "", body); got != http.StatusOK {
		t.Errorf("login of the admin made by the command (production: MFA enrolment answer): %d, want 200", got)
	}
	p.stop(t)

	client, err := mongo.Connect(options.Client().ApplyURI(uri))
	if err != nil {
		t.Fatal(err)
	}
	defer client.Disconnect(ctx)
	entries := client.Database("ops").Collection("audit_log")
	n, err := entries.CountDocuments(ctx, bson.D{{Key: "action", Value: "user.create_admin"}, {Key: "actor", Value: "operator:cli"}})
	if err != nil || n != 1 {
		t.Errorf("audit entries of the command: %d %v, want 1", n, err)
	}
	if code, out, errOut := runCLI(t, "", env, "audit", "verify"); code != 0 {
		t.Fatalf("audit verify: exit %d\n%s%s", code, out, errOut)
	}
	if code, out, errOut := runCLI(t, "", env, "audit", "export", "--since", "2000-01-01T00:00:00Z"); code != 0 || !strings.Contains(out, `"action":"user.create_admin","objectType":"user"`) {
		t.Errorf("audit export: exit %d\n%s%s", code, out, errOut)
	}
	if code, out, errOut := runCLI(t, "", env, "verify-keys"); code != 0 || !strings.Contains(out, `the first of DATA_KEYS`) {
		t.Errorf("verify-keys: exit %d\n%s%s", code, out, errOut)
	}
	if code, _, errOut := runCLI(t, "", env, "case", "export", "SS-AAAA-AAAA"); code != 1 || !strings.Contains(errOut, "no case with reference") {
		t.Errorf("case export of an unknown reference against MongoDB: exit %d %q, want 1", code, errOut)
	}
	if code, out, errOut := runCLI(t, "", env, "rekey"); code != 0 || !strings.Contains(errOut, "0 values rewritten") {
		t.Errorf("rekey with nothing under an older key: exit %d\n%s%s", code, out, errOut)
	}
	if _, err := entries.UpdateOne(ctx, bson.D{{Key: "action", Value: "user.create_admin"}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "actor", Value: "someone-else"}}}}); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := runCLI(t, "", env, "audit", "verify"); code != 1 || !strings.Contains(errOut, "NOT intact") {
		t.Errorf("audit verify of an edited chain: exit %d %q, want 1", code, errOut)
	}
}

func TestCommandLineHelpAndUsage(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--help"}, 0, "user create-admin EMAIL"},
		{[]string{"help"}, 0, "audit verify"},
		{[]string{"backup", "--help"}, 0, "Usage: speaksafe backup DIR"},
		{[]string{"restore", "-h"}, 0, "must not exist or be empty"},
		{[]string{"user", "create-admin", "--help"}, 0, "ADMIN_PASSWORD_FILE"},
		{[]string{"user", "disable", "--help"}, 0, "Usage: speaksafe user disable EMAIL"},
		{[]string{"audit", "verify", "--help"}, 0, "hash chain"},
		{[]string{"user", "disable"}, 2, "wants 1 argument"},
		{[]string{"user", "disable", "a@example.test", "b@example.test"}, 2, "wants 1 argument"},
		{[]string{"frobnicate"}, 2, "unknown command"},
		{[]string{"backup", "--force", "x"}, 2, "flag provided but not defined"},
		{[]string{"user", "create-admin", "a@example.test"}, 2, "no password"},
		{[]string{"user", "reset-mfa", "--help"}, 0, "Usage: speaksafe user reset-mfa EMAIL"},
		{[]string{"user", "reset-mfa"}, 2, "wants 1 argument"},
		{[]string{"audit", "export", "--help"}, 0, "JSON Lines"},
		{[]string{"audit", "export"}, 2, "--since is required"},
		{[]string{"audit", "export", "--since", "yesterday"}, 2, "not an RFC 3339 time"},
		{[]string{"audit", "export", "--since", "2026-11-02T00:00:00Z", "--until", "2026-11-01T00:00:00Z"}, 2, "--until must be after --since"},
		{[]string{"verify-keys", "--help"}, 0, "never a value"},
		{[]string{"rekey", "--help"}, 0, "docs/rekey.md"},
		{[]string{"rekey", "now"}, 2, "wants 0 argument"},
		{[]string{"demo", "--help"}, 0, "refuses\nto run in production mode"},
	} {
		code, out, errOut := runCLI(t, "", []string{"DATA_DIR=" + t.TempDir()}, tc.args...)
		if code != tc.code || !strings.Contains(out+errOut, tc.want) {
			t.Errorf("speaksafe %s: exit %d, want %d and %q in:\n%s%s", strings.Join(tc.args, " "), code, tc.code, tc.want, out, errOut)
		}
	}
	// The demo prints passwords and second-factor secrets: never in
	// production mode.
	code, out, errOut := runCLI(t, "", []string{"DATA_DIR=" + t.TempDir(), "SPEAKSAFE_MODE=production"}, "demo")
	if code != 1 || !strings.Contains(out+errOut, "only in development mode") || strings.Contains(out, "demo password") {
		t.Errorf("speaksafe demo in production mode: exit %d:\n%s%s", code, out, errOut)
	}
}
