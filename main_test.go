package main

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"speaksafe/internal/testsupport"
)

// These tests run the real binary the way an operator does: `go run .` on a
// fresh machine, SIGTERM, start again, and a MongoDB that is not there.

var binary, storeBinary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "speaksafe-bin-")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "speaksafe")
	args := []string{"build", "-o", binary}
	if raceEnabled {
		args = append(args, "-race")
	}
	if out, err := exec.Command("go", append(args, ".")...).CombinedOutput(); err != nil {
		os.Stderr.Write(out)
		panic(err)
	}
	// The embedded store as its own process stands in for MongoDB.
	storeBinary = filepath.Join(dir, "devstore")
	if out, err := exec.Command("go", "build", "-o", storeBinary, "./cmd/devstore").CombinedOutput(); err != nil {
		os.Stderr.Write(out)
		panic(err)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

type process struct {
	cmd  *exec.Cmd
	addr string
	logs *testsupport.Logs
}

func start(t *testing.T, env ...string) *process {
	t.Helper()
	addr := freeAddr(t)
	logs := &testsupport.Logs{}
	cmd := exec.Command(binary)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "LISTEN_ADDR=" + addr}, env...)
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &process{cmd: cmd, addr: addr, logs: logs}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	return p
}

// waitFor polls path until it answers want; the process starts asynchronously,
// so polling (bounded) is how an operator's health check sees it too.
func (p *process) waitFor(t *testing.T, path string, want int) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	var last int
	for time.Now().Before(deadline) {
		res, err := http.Get("http://" + p.addr + path)
		if err == nil {
			last = res.StatusCode
			res.Body.Close()
			if last == want {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("GET %s: last status %d, want %d; logs:\n%s", path, last, want, p.logs.String())
}

func (p *process) stop(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Wait(); err != nil {
		t.Fatalf("after SIGTERM: %v; logs:\n%s", err, p.logs.String())
	}
}

func TestFreshStartServesStopsCleanlyAndKeepsItsData(t *testing.T) {
	t.Parallel()
	dataDir := t.TempDir()
	const email, password = "first.admin@example.test", "a long enough bootstrap password"
	p := start(t, "DATA_DIR="+dataDir, "BOOTSTRAP_ADMIN_EMAIL="+email, "BOOTSTRAP_ADMIN_PASSWORD="+password)
	p.waitFor(t, "/readyz", http.StatusOK)
	res, err := http.Get("http://" + p.addr + "/openapi.yaml")
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("GET /openapi.yaml: %v %v", err, res)
	}
	res.Body.Close()
	token := p.login(t, email, password)
	if got := p.call(t, "POST", "/v1/organisations", token, `{"kind":"force","name":"Wessex Police","code":"wessex"}`); got != http.StatusCreated {
		t.Fatalf("create organisation: got %d", got)
	}
	keys, err := os.ReadFile(filepath.Join(dataDir, "dev-secrets.json"))
	if err != nil {
		t.Fatalf("no development keys in DATA_DIR: %v", err)
	}
	p.stop(t)

	// Started again without the bootstrap variables: the admin, the force
	// and the keys are all still there.
	again := start(t, "DATA_DIR="+dataDir)
	again.waitFor(t, "/readyz", http.StatusOK)
	after, _ := os.ReadFile(filepath.Join(dataDir, "dev-secrets.json"))
	if string(after) != string(keys) {
		t.Error("development keys were regenerated on restart")
	}
	token = again.login(t, email, password)
	body := again.get(t, "/v1/organisations", token)
	if !strings.Contains(body, `"wessex"`) {
		t.Errorf("organisation lost across a restart: %s", body)
	}
	again.stop(t)
}

func (p *process) call(t *testing.T, method, path, token, body string) int {
	t.Helper()
	req, _ := http.NewRequest(method, "http://"+p.addr+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

func (p *process) get(t *testing.T, path, token string) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, "http://"+p.addr+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var b strings.Builder
	_, _ = io.Copy(&b, res.Body)
	return b.String()
}

func (p *process) login(t *testing.T, email, password string) string {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"email": email, "password": password})
	res, err := http.Post("http://"+p.addr+"/v1/auth/login", "application/json", strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var tokens struct {
		AccessToken string `json:"accessToken"`
	}
	if err := json.NewDecoder(res.Body).Decode(&tokens); err != nil || res.StatusCode != http.StatusOK || tokens.AccessToken == "" {
		t.Fatalf("login: %d %v", res.StatusCode, err)
	}
	return tokens.AccessToken
}

func TestUnreachableMongoDBIsNotReadyButAlive(t *testing.T) {
	t.Parallel()
	closed := freeAddr(t) // nothing listens here
	p := start(t,
		"MONGODB_URI=mongodb://"+closed+"/?serverSelectionTimeoutMS=500",
		"JWT_SIGNING_KEY=k1:"+randomKey(), "DATA_KEYS=k1:"+randomKey(),
		"RATE_LIMIT_SECRET="+randomKey(), "WEBHOOK_SECRET="+randomKey(), "AUDIT_KEYS=k1:"+randomKey(), "RECEIPT_KEYS=k1:"+randomKey(),
		"DATA_DIR="+t.TempDir(), "FCM_ENDPOINT=http://127.0.0.1:1/",
	)
	p.waitFor(t, "/healthz", http.StatusOK)
	res, err := http.Get("http://" + p.addr + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var problem struct {
		Status int    `json:"status"`
		Title  string `json:"title"`
	}
	if err := json.NewDecoder(res.Body).Decode(&problem); err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusServiceUnavailable || problem.Status != 503 ||
		res.Header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("readyz: got %d %+v %q, want 503 problem+json", res.StatusCode, problem, res.Header.Get("Content-Type"))
	}
	p.stop(t)
}

func TestProductionWithoutSecretsRefusesToStart(t *testing.T) {
	t.Parallel()
	p := start(t, "MONGODB_URI=mongodb://127.0.0.1:1/", "DATA_DIR="+t.TempDir())
	err := p.cmd.Wait()
	if err == nil {
		t.Fatal("started without production secrets")
	}
	for _, name := range []string{"JWT_SIGNING_KEY", "DATA_KEYS", "AUDIT_KEYS", "RECEIPT_KEYS"} {
		if !strings.Contains(p.logs.String(), name) {
			t.Errorf("start-up error does not name %s:\n%s", name, p.logs.String())
		}
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	addr, err := testsupport.FreeAddr()
	if err != nil {
		t.Fatal(err)
	}
	return addr
}

func randomKey() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
