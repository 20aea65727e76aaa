package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"speaksafe/loadtest/harness"
)

// A data key is rotated the way the README says: the server runs with the
// new key first, rekey re-encrypts everything beside it, the old key is
// retired, and every report still opens for its reporter and its officer,
// with its messages, notes and outcome.
func TestRekeyThenRetireTheOldKeyAndEveryReportStillOpens(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	const email, password = "keys.admin@example.test", "a long enough bootstrap password"
	dataDir := t.TempDir()
	oldKey, newKey := "k1:"+randomKey(), "k2:"+randomKey()
	base := []string{"DATA_DIR=" + dataDir, "TRUSTED_PROXIES=127.0.0.1", "WEBHOOK_ALLOWED_HOSTS=127.0.0.1:9"}
	withKeys := func(keys string) []string { return append(append([]string{}, base...), "DATA_KEYS="+keys) }

	p := start(t, append(withKeys(oldKey), "BOOTSTRAP_ADMIN_EMAIL="+email, "BOOTSTRAP_ADMIN_PASSWORD="+password)...)
	p.waitFor(t, "/readyz", http.StatusOK)
	client := harness.NewClient("http://"+p.addr, 4)
	force, err := client.SetUpForce(ctx, p.login(t, email, password), "wessex")
	if err != nil {
		t.Fatal(err)
	}
	type report struct {
		r      harness.Receipt
		marker string
		id     string
	}
	var reports []report
	for i := range 4 {
		marker := fmt.Sprintf("marker-%d-%s", i, harness.RandomHex(4))
		status, r, err := client.SubmitReport(ctx, harness.ReportBody("wessex", i == 0, marker), "rk-"+harness.RandomHex(16))
		if err != nil || status != http.StatusCreated {
			t.Fatalf("report %d: %d %v", i, status, err)
		}
		reports = append(reports, report{r: r, marker: marker})
	}
	queue, err := client.Queue(ctx, force.Officer.Token, "")
	if err != nil {
		t.Fatal(err)
	}
	for i := range reports {
		for _, c := range queue {
			if c.Reference == reports[i].r.Reference {
				reports[i].id = c.ID
			}
		}
	}
	officer := func(method, path string, body any, want int) {
		t.Helper()
		res, err := client.Do(ctx, harness.Request{Method: method, Path: path, Token: force.Officer.Token, Body: body})
		if err != nil || res.Status != want {
			t.Fatalf("%s %s: %d %v %s", method, path, res.Status, err, res.Body)
		}
	}
	// A message, a note and a closing outcome: every kind of sealed value.
	officer("POST", "/v1/cases/"+reports[1].id+"/messages", map[string]string{"body": "message-" + reports[1].marker}, http.StatusCreated)
	officer("POST", "/v1/cases/"+reports[1].id+"/notes", map[string]string{"body": "note-" + reports[1].marker}, http.StatusCreated)
	officer("POST", "/v1/cases/"+reports[2].id+"/status",
		map[string]string{"status": "closed", "disposition": "advice_given", "outcome": "outcome-" + reports[2].marker}, http.StatusOK)
	p.stop(t)

	// The new key first, the old one still there to open what it sealed.
	both := newKey + "," + oldKey
	p = start(t, withKeys(both)...)
	p.waitFor(t, "/readyz", http.StatusOK)
	if code, out, errOut := runCLI(t, "", withKeys(newKey), "verify-keys"); code != 1 || !strings.Contains(out, `CANNOT OPEN: cases.whatHappened: 4 value(s) under key "k1"`) {
		t.Errorf("verify-keys without the key that sealed everything: exit %d, want 1\n%s%s", code, out, errOut)
	}
	if code, out, errOut := runCLI(t, "", withKeys(both), "verify-keys"); code != 0 || !strings.Contains(out, "to rekey: cases.outcome: 1 value(s)") {
		t.Errorf("verify-keys before rekey: exit %d, want 0 and what to rekey\n%s%s", code, out, errOut)
	}
	code, out, errOut := runCLI(t, "", withKeys(both), "rekey")
	if code != 0 || !strings.Contains(out, `under key "k2"`) || !strings.Contains(errOut, "rekey: ") {
		t.Fatalf("rekey: exit %d\n%s%s", code, out, errOut)
	}
	// Resumable: a second run finds nothing left to do.
	if code, _, errOut := runCLI(t, "", withKeys(both), "rekey"); code != 0 || !strings.Contains(errOut, "0 values rewritten") {
		t.Errorf("second rekey: exit %d %s", code, errOut)
	}
	p.stop(t)

	// Retire the old key.
	p = start(t, withKeys(newKey)...)
	p.waitFor(t, "/readyz", http.StatusOK)
	if code, out, errOut := runCLI(t, "", withKeys(newKey), "verify-keys"); code != 0 || !strings.Contains(out, `under key "k2", the first of DATA_KEYS`) {
		t.Errorf("verify-keys after retiring the old key: exit %d\n%s%s", code, out, errOut)
	}
	client = harness.NewClient("http://"+p.addr, 4)
	for i, rp := range reports {
		session, err := client.ReporterSession(ctx, rp.r)
		if err != nil {
			t.Errorf("report %d: reporter session: %v", i, err)
			continue
		}
		res, err := client.Do(ctx, harness.Request{Method: http.MethodGet, Path: "/v1/reporter/case", Token: session})
		if err != nil || res.Status != http.StatusOK || !strings.Contains(string(res.Body), rp.r.Reference) {
			t.Errorf("report %d: reporter view %d %v %s", i, res.Status, err, res.Body)
		}
		res, err = client.Do(ctx, harness.Request{Method: http.MethodGet, Path: "/v1/cases/" + rp.id, Token: force.Officer.Token})
		if err != nil || res.Status != http.StatusOK || !strings.Contains(string(res.Body), rp.marker) {
			t.Errorf("report %d: officer case view %d %v %s", i, res.Status, err, res.Body)
		}
	}
	res, _ := client.Do(ctx, harness.Request{Method: http.MethodGet, Path: "/v1/cases/" + reports[1].id, Token: force.Officer.Token})
	for _, want := range []string{"message-" + reports[1].marker, "note-" + reports[1].marker} {
		if !strings.Contains(string(res.Body), want) {
			t.Errorf("officer view of case 1 lacks %q: %s", want, res.Body)
		}
	}
	res, _ = client.Do(ctx, harness.Request{Method: http.MethodGet, Path: "/v1/cases/" + reports[2].id, Token: force.Officer.Token})
	if !strings.Contains(string(res.Body), "outcome-"+reports[2].marker) {
		t.Errorf("officer view of the closed case lacks its outcome: %s", res.Body)
	}
	p.stop(t)
}
