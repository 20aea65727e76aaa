// Package harness runs SpeakSafe the way an operator does — the real binary
// as a separate process, against the embedded store run as its own process
// (cmd/devstore) — and drives it over HTTP. The load test, the fault
// suite, the SECURITY.md suite and the command-line tests share it; the
// server never imports it.
package harness

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"

	"speaksafe/internal/testsupport"
)

// Binaries are the built programs.
type Binaries struct {
	Server string // the speaksafe binary
	Store  string // cmd/devstore
}

// Build compiles the server and the store launcher from the module at root
// into dir, with extra go build flags (e.g. -race, so that tests running
// under the race detector reuse the packages they already compiled).
func Build(ctx context.Context, root, dir string, flags ...string) (Binaries, error) {
	b := Binaries{Server: filepath.Join(dir, "speaksafe"), Store: filepath.Join(dir, "devstore")}
	for out, pkg := range map[string]string{b.Server: ".", b.Store: "./cmd/devstore"} {
		args := append(append([]string{"build", "-o", out}, flags...), pkg)
		cmd := exec.CommandContext(ctx, "go", args...)
		cmd.Dir = root
		if msg, err := cmd.CombinedOutput(); err != nil {
			return b, fmt.Errorf("harness: go build %s: %v\n%s", pkg, err, msg)
		}
	}
	return b, nil
}

// ModuleRoot walks up from the working directory to the directory holding
// go.mod, so that tests and `go run` work from anywhere in the module.
func ModuleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("harness: go.mod not found")
		}
		dir = parent
	}
}

// Proc is a child process with its combined output kept in memory.
type Proc struct {
	Name string
	Addr string
	cmd  *exec.Cmd
	logs *Logs
	done chan struct{}
	err  error
}

// Logs collects a process's output; safe for concurrent use.
type Logs = testsupport.Logs

func startProc(name, bin string, args, env []string, out io.Writer, logs *Logs) (*Proc, error) {
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("harness: start %s: %w", name, err)
	}
	p := &Proc{Name: name, cmd: cmd, logs: logs, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// PID is the process id.
func (p *Proc) PID() int { return p.cmd.Process.Pid }

// Logs returns the process's output so far.
func (p *Proc) Logs() string { return p.logs.String() }

// Exited reports whether the process has ended.
func (p *Proc) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// Kill sends SIGKILL and waits for the process to be gone.
func (p *Proc) Kill() {
	if p.Exited() {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

// Stop sends SIGTERM and waits up to timeout for a clean exit; it kills the
// process after that. It returns the exit error (nil for exit 0).
func (p *Proc) Stop(timeout time.Duration) error {
	if p.Exited() {
		return p.err
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
		return p.err
	case <-time.After(timeout):
		p.Kill()
		return fmt.Errorf("harness: %s did not stop within %s", p.Name, timeout)
	}
}

// StartStore runs cmd/devstore on addr with its files in dir and returns once
// it accepts connections.
func StartStore(ctx context.Context, bin, addr, dir string) (*Proc, error) {
	logs := &Logs{}
	r, w := ioPipe()
	p, err := startProc("store", bin, []string{"-addr", addr, "-dir", dir}, baseEnv(), &teeFirstLine{w: w, logs: logs}, logs)
	if err != nil {
		return nil, err
	}
	p.Addr = addr
	line := make(chan string, 1)
	go func() {
		s := bufio.NewScanner(r)
		if s.Scan() {
			line <- s.Text()
		}
	}()
	select {
	case <-line:
		return p, nil
	case <-p.done:
		return nil, fmt.Errorf("harness: store exited: %v\n%s", p.err, logs.String())
	case <-ctx.Done():
		p.Kill()
		return nil, ctx.Err()
	case <-time.After(60 * time.Second):
		p.Kill()
		return nil, fmt.Errorf("harness: store did not start:\n%s", logs.String())
	}
}

// Secrets are production-style secrets for a server started outside the
// embedded development mode (which refuses to start without them).
type Secrets struct {
	JWT, DataKeys, RateLimit, Webhook string
	AuditKeys                         string
	ReceiptKeys                       string
}

// NewSecrets draws fresh random secrets.
func NewSecrets() Secrets {
	return Secrets{JWT: "k1:" + randomKey(), DataKeys: "k1:" + randomKey(), RateLimit: randomKey(), Webhook: randomKey(),
		AuditKeys: "k1:" + randomKey(), ReceiptKeys: "k1:" + randomKey()}
}

func randomKey() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// ServerConfig is what a server process is started with.
type ServerConfig struct {
	Addr      string // LISTEN_ADDR
	StoreURI  string // MONGODB_URI
	Database  string // MONGODB_DATABASE
	DataDir   string
	Secrets   Secrets
	AdminUser string
	AdminPass string
	FCM       string   // FCM_ENDPOINT, empty for the log-only sender
	Extra     []string // more KEY=value pairs
	// NoProxy leaves TRUSTED_PROXIES empty, so X-Forwarded-For is ignored.
	NoProxy bool
}

func (c ServerConfig) trustedProxies() string {
	if c.NoProxy {
		return ""
	}
	return "127.0.0.1"
}

// Env returns the process environment for c.
func (c ServerConfig) Env() []string {
	env := append(baseEnv(), "LISTEN_ADDR="+c.Addr, "DATA_DIR="+c.DataDir,
		"BOOTSTRAP_ADMIN_EMAIL="+c.AdminUser, "BOOTSTRAP_ADMIN_PASSWORD="+c.AdminPass)
	if c.StoreURI != "" {
		// Outside the embedded development mode: a store of our own and
		// production-style secrets. With no StoreURI the server runs the
		// embedded store in-process and makes development keys in DataDir.
		env = append(env, "MONGODB_URI="+c.StoreURI,
			"JWT_SIGNING_KEY="+c.Secrets.JWT, "DATA_KEYS="+c.Secrets.DataKeys,
			"RATE_LIMIT_SECRET="+c.Secrets.RateLimit, "WEBHOOK_SECRET="+c.Secrets.Webhook,
			"AUDIT_KEYS="+c.Secrets.AuditKeys, "RECEIPT_KEYS="+c.Secrets.ReceiptKeys)
	}
	if c.Database != "" {
		env = append(env, "MONGODB_DATABASE="+c.Database)
	}
	env = append(env,
		// The harness's clients sit behind "a proxy" on loopback so that each
		// simulated child has its own rate-limit bucket (X-Forwarded-For).
		"TRUSTED_PROXIES="+c.trustedProxies(),
		// The harness signs staff in with passwords only; MFA is proven by
		// the accounts tests. school_staff is a role the harness never uses.
		"MFA_REQUIRED_ROLES=school_staff",
		// Passwords only and pages maybe only logged: a development run,
		// said explicitly (MONGODB_URI alone would mean production).
		"SPEAKSAFE_MODE=development",
		"LOG_FORMAT=json",
		// The fixture's control-room webhook is a closed local port.
		"WEBHOOK_ALLOWED_HOSTS=127.0.0.1:9",
	)
	if c.FCM != "" {
		env = append(env, "FCM_ENDPOINT="+c.FCM)
	}
	return append(env, c.Extra...)
}

// StartServer runs the server binary with c and returns at once; use
// WaitReady before sending traffic.
func StartServer(bin string, c ServerConfig) (*Proc, error) {
	logs := &Logs{}
	p, err := startProc("server", bin, nil, c.Env(), logs, logs)
	if err != nil {
		return nil, err
	}
	p.Addr = c.Addr
	return p, nil
}

// WaitReady polls /readyz until it answers 200 (the process starts
// asynchronously; an operator's health check polls too), up to timeout.
func (p *Proc) WaitReady(ctx context.Context, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	client := &http.Client{Timeout: 2 * time.Second}
	for {
		res, err := client.Get("http://" + p.Addr + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
		}
		if p.Exited() {
			return fmt.Errorf("harness: %s exited: %v\n%s", p.Name, p.err, p.Logs())
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("harness: %s not ready after %s\n%s", p.Name, timeout, p.Logs())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func baseEnv() []string {
	return []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "TMPDIR=" + os.TempDir()}
}
