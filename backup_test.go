package main

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"speaksafe/internal/harness"
)

// runCLI runs `speaksafe args…` to its end and answers its exit code and
// output.
func runCLI(t *testing.T, stdin string, env []string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}, env...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	if _, ok := err.(*exec.ExitError); err != nil && !ok {
		t.Fatal(err)
	}
	return cmd.ProcessState.ExitCode(), out.String(), errOut.String()
}

// A backup taken while reports keep arriving holds every report that was
// acknowledged before it started, and a server on the restored DATA_DIR
// opens each of them for its reporter.
func TestBackupUnderLoadRestoresEveryAcknowledgedReport(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	const email, password = "backup.admin@example.test", "a long enough bootstrap password"
	dataDir := t.TempDir()
	p := start(t, "DATA_DIR="+dataDir, "TRUSTED_PROXIES=127.0.0.1",
		"BOOTSTRAP_ADMIN_EMAIL="+email, "BOOTSTRAP_ADMIN_PASSWORD="+password)
	p.waitFor(t, "/readyz", http.StatusOK)
	token := p.login(t, email, password)
	if got := p.call(t, "POST", "/v1/organisations", token, `{"kind":"force","name":"Wessex Police","code":"wessex"}`); got != http.StatusCreated {
		t.Fatalf("create organisation: got %d", got)
	}
	client := harness.NewClient("http://"+p.addr, 8)
	submit := func() (harness.Receipt, bool) {
		status, r, err := client.SubmitReport(ctx, harness.ReportBody("wessex", false, ""), "bk-"+harness.RandomHex(16))
		return r, err == nil && status == http.StatusCreated
	}
	var before []harness.Receipt
	for range 12 {
		r, ok := submit()
		if !ok {
			t.Fatal("report before the backup was not accepted")
		}
		before = append(before, r)
	}

	// Writers keep submitting through the whole backup.
	stop := make(chan struct{})
	var during atomic.Int64
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, ok := submit(); ok {
					during.Add(1)
				}
			}
		}()
	}
	backupDir := filepath.Join(t.TempDir(), "nightly")
	code, out, errOut := runCLI(t, "", []string{"DATA_DIR=" + dataDir}, "backup", backupDir)
	close(stop)
	wg.Wait()
	if code != 0 {
		t.Fatalf("backup: exit %d\n%s%s", code, out, errOut)
	}
	t.Logf("%d reports were accepted while the backup ran", during.Load())
	p.stop(t)

	restored := filepath.Join(t.TempDir(), "restored")
	if code, out, errOut := runCLI(t, "", []string{"DATA_DIR=" + restored}, "restore", backupDir); code != 0 {
		t.Fatalf("restore: exit %d\n%s%s", code, out, errOut)
	}
	if code, _, errOut := runCLI(t, "", []string{"DATA_DIR=" + restored}, "restore", backupDir); code != 1 || !strings.Contains(errOut, "not empty") {
		t.Errorf("restore into a used DATA_DIR: exit %d %q, want 1 and \"not empty\"", code, errOut)
	}
	again := start(t, "DATA_DIR="+restored, "TRUSTED_PROXIES=127.0.0.1")
	again.waitFor(t, "/readyz", http.StatusOK)
	client = harness.NewClient("http://"+again.addr, 8)
	for _, r := range before {
		session, err := client.ReporterSession(ctx, r)
		if err != nil {
			t.Errorf("report %s after restore: %v", r.Reference, err)
			continue
		}
		res, err := client.Do(ctx, harness.Request{Method: http.MethodGet, Path: "/v1/reporter/case", Token: session})
		if err != nil || res.Status != http.StatusOK || !strings.Contains(string(res.Body), r.Reference) {
			t.Errorf("report %s after restore: case %d %v %s", r.Reference, res.Status, err, res.Body)
		}
	}
	again.stop(t)
}

// A backup refuses a directory in use, and restore refuses anything that is
// not a complete, undamaged backup; neither writes into DATA_DIR then.
func TestBackupAndRestoreRefuseWhatTheyCannotDoSafely(t *testing.T) {
	t.Parallel()
	empty := t.TempDir()
	if code, _, errOut := runCLI(t, "", []string{"DATA_DIR=" + empty}, "backup", t.TempDir()); code != 1 || !strings.Contains(errOut, "no embedded store") {
		t.Errorf("backup of an empty DATA_DIR: exit %d %q", code, errOut)
	}
	notBackup := t.TempDir()
	os.WriteFile(filepath.Join(notBackup, "file"), []byte("x"), 0o600)
	target := filepath.Join(t.TempDir(), "data")
	if code, _, errOut := runCLI(t, "", []string{"DATA_DIR=" + target}, "restore", notBackup); code != 1 || !strings.Contains(errOut, "not a complete backup") {
		t.Errorf("restore from a directory without a manifest: exit %d %q", code, errOut)
	}
	if _, err := os.Stat(target); err == nil {
		t.Error("a refused restore created DATA_DIR")
	}
	if code, _, _ := runCLI(t, "", nil, "backup"); code != 2 {
		t.Errorf("backup without DIR: exit %d, want 2", code)
	}
}
