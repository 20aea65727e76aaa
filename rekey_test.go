package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"speaksafe/internal/harness"
)

// A data key is rotated the way the README says: the server runs with the
// new key first, rekey re-encrypts everything beside it, the old key is
// retired, and every report still opens for its reporter and its officer,
// with its messages, notes and outcome.
func TestRekeyThenRetireTheOldKeyAndEveryReportStillOpens(t *testing.T) {
	t.Parallel()
	k := newKeyRotation(t, 4)
	rp := k.reports
	// A message, a note and a closing outcome: every kind of sealed value.
	for _, step := range []struct {
		path string
		body map[string]string
		want int
	}{
		{"/v1/cases/" + rp[1].id + "/messages", map[string]string{"body": "message-" + rp[1].marker}, http.StatusCreated},
		{"/v1/cases/" + rp[1].id + "/notes", map[string]string{"body": "note-" + rp[1].marker}, http.StatusCreated},
		{"/v1/cases/" + rp[2].id + "/status", map[string]string{"status": "closed", "disposition": "advice_given", "outcome": "outcome-" + rp[2].marker}, http.StatusOK},
	} {
		if status, body := k.officer(t, http.MethodPost, step.path, step.body); status != step.want {
			t.Fatalf("POST %s: %d %s", step.path, status, body)
		}
	}

	// The new key first, the old one still there to open what it sealed.
	both := k.newKey + "," + k.oldKey
	k.restart(t, both)
	if code, out, errOut := runCLI(t, "", k.env(k.newKey), "verify-keys"); code != 1 || !strings.Contains(out, `CANNOT OPEN: cases.whatHappened: 4 value(s) under key "k1"`) {
		t.Errorf("verify-keys without the key that sealed everything: exit %d, want 1\n%s%s", code, out, errOut)
	}
	if code, out, errOut := runCLI(t, "", k.env(both), "verify-keys"); code != 0 || !strings.Contains(out, "to rekey: cases.outcome: 1 value(s)") {
		t.Errorf("verify-keys before rekey: exit %d, want 0 and what to rekey\n%s%s", code, out, errOut)
	}
	code, out, errOut := runCLI(t, "", k.env(both), "rekey")
	if code != 0 || !strings.Contains(out, `under key "k2"`) || !strings.Contains(errOut, "rekey: ") {
		t.Fatalf("rekey: exit %d\n%s%s", code, out, errOut)
	}
	// Resumable: a second run finds nothing left to do.
	if code, _, errOut := runCLI(t, "", k.env(both), "rekey"); code != 0 || !strings.Contains(errOut, "0 values rewritten") {
		t.Errorf("second rekey: exit %d %s", code, errOut)
	}

	// Retire the old key.
	k.restart(t, k.newKey)
	if code, out, errOut := runCLI(t, "", k.env(k.newKey), "verify-keys"); code != 0 || !strings.Contains(out, `under key "k2", the first of DATA_KEYS`) {
		t.Errorf("verify-keys after retiring the old key: exit %d\n%s%s", code, out, errOut)
	}
	k.everyReportOpens(t)
	_, body := k.officer(t, http.MethodGet, "/v1/cases/"+rp[1].id, nil)
	for _, want := range []string{"message-" + rp[1].marker, "note-" + rp[1].marker} {
		if !strings.Contains(body, want) {
			t.Errorf("officer view of case 1 lacks %q: %s", want, body)
		}
	}
	if _, body := k.officer(t, http.MethodGet, "/v1/cases/"+rp[2].id, nil); !strings.Contains(body, "outcome-"+rp[2].marker) {
		t.Errorf("officer view of the closed case lacks its outcome: %s", body)
	}
	k.p.stop(t)
}

// Rekey beside officers who keep writing to the same cases (messages,
// notes, status changes, on open and on closed cases): nothing they were
// told was saved is lost, no status goes back, and after the old key is
// retired every case opens with all of it.
func TestRekeyBesideLiveCaseChangesLosesNothing(t *testing.T) {
	t.Parallel()
	k := newKeyRotation(t, 6)
	rp := k.reports
	// Half the cases closed under the old key: their outcome is copied into
	// every later version, so rekey must claim a version to reseal it.
	for _, c := range rp[3:] {
		if status, body := k.officer(t, http.MethodPost, "/v1/cases/"+c.id+"/status",
			map[string]string{"status": "closed", "disposition": "advice_given", "outcome": "outcome-" + c.marker}); status != http.StatusOK {
			t.Fatalf("close: %d %s", status, body)
		}
	}
	both := k.newKey + "," + k.oldKey
	k.restart(t, both)

	var mu sync.Mutex
	saved := map[string][]string{} // case id → bodies answered 201
	moved := map[string]bool{}     // open cases moved to in_progress
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w, c := range rp {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				list := []string{"messages", "notes"}[i%2]
				text := fmt.Sprintf("%s-%d-%d-%s", list, w, i, c.marker)
				res, err := k.client.Do(context.Background(), harness.Request{Method: http.MethodPost,
					Path: "/v1/cases/" + c.id + "/" + list, Token: k.force.Officer.Token, Body: map[string]string{"body": text}})
				if err == nil && res.Status == http.StatusCreated {
					mu.Lock()
					saved[c.id] = append(saved[c.id], text)
					mu.Unlock()
				}
				if i == 1 && w < 3 {
					// Open cases move forward meanwhile.
					res, err := k.client.Do(context.Background(), harness.Request{Method: http.MethodPost, Path: "/v1/cases/" + c.id + "/status",
						Token: k.force.Officer.Token, Body: map[string]string{"status": "in_progress"}})
					if err == nil && res.Status == http.StatusOK {
						mu.Lock()
						moved[c.id] = true
						mu.Unlock()
					}
				}
			}
		}()
	}
	// Values changed while a run works may need another run; each run
	// leaves what it did done.
	var runs []string
	ok := false
	for range 4 {
		code, out, errOut := runCLI(t, "", k.env(both), "rekey")
		runs = append(runs, fmt.Sprintf("exit %d\n%s%s", code, out, errOut))
		if code == 0 {
			ok = true
			break
		}
	}
	close(stop)
	wg.Wait()
	if !ok {
		t.Fatalf("rekey beside live changes never finished cleanly:\n%s", strings.Join(runs, "\n"))
	}
	mu.Lock()
	defer mu.Unlock()
	n := 0
	for _, bodies := range saved {
		n += len(bodies)
	}
	if n < len(rp) {
		t.Fatalf("only %d messages and notes were saved while rekey ran; the race was not exercised", n)
	}
	t.Logf("%d messages and notes saved during %d rekey run(s)", n, len(runs))
	if len(runs) > 1 {
		t.Logf("the run before the last said:\n%s", runs[len(runs)-2])
	}

	k.restart(t, k.newKey)
	if code, out, errOut := runCLI(t, "", k.env(k.newKey), "verify-keys"); code != 0 {
		t.Errorf("verify-keys after retiring the old key: exit %d\n%s%s", code, out, errOut)
	}
	k.everyReportOpens(t)
	for i, c := range rp {
		status, body := k.officer(t, http.MethodGet, "/v1/cases/"+c.id, nil)
		if status != http.StatusOK {
			t.Errorf("case %d: %d %s", i, status, body)
			continue
		}
		for _, text := range saved[c.id] {
			if !strings.Contains(body, text) {
				t.Errorf("case %d lost %q, saved while rekey ran", i, text)
			}
		}
		wantStatus := `"status":"new"`
		if moved[c.id] {
			wantStatus = `"status":"in_progress"`
		}
		if i >= 3 {
			wantStatus = `"status":"closed"`
			if !strings.Contains(body, "outcome-"+c.marker) {
				t.Errorf("closed case %d lost its outcome: %s", i, body)
			}
		}
		if !strings.Contains(body, wantStatus) {
			t.Errorf("case %d: want %s: %s", i, wantStatus, body)
		}
	}
	k.p.stop(t)
}

// sealedReport is a report taken under the old key, with what its officer
// view must show.
type sealedReport struct {
	r      harness.Receipt
	marker string
	id     string
}

// keyRotation is a server on the embedded store whose reports are sealed
// under oldKey, and newKey to rotate to.
type keyRotation struct {
	p              *process
	client         *harness.Client
	force          harness.Force
	reports        []sealedReport
	oldKey, newKey string
	base           []string
}

func (k *keyRotation) env(keys string) []string {
	return append(append([]string{}, k.base...), "DATA_KEYS="+keys)
}

// newKeyRotation starts a server under the old key with a force and n
// reports (the first urgent), each found in the officer's queue.
func newKeyRotation(t *testing.T, n int) *keyRotation {
	t.Helper()
	ctx := context.Background()
	const email, password = "keys.admin@example.test", "a long enough bootstrap password"
	k := &keyRotation{oldKey: "k1:" + randomKey(), newKey: "k2:" + randomKey(),
		base: []string{"DATA_DIR=" + t.TempDir(), "TRUSTED_PROXIES=127.0.0.1", "WEBHOOK_ALLOWED_HOSTS=127.0.0.1:9"}}
	k.p = start(t, append(k.env(k.oldKey), "BOOTSTRAP_ADMIN_EMAIL="+email, "BOOTSTRAP_ADMIN_PASSWORD="+password)...)
	k.p.waitFor(t, "/readyz", http.StatusOK)
	k.client = harness.NewClient("http://"+k.p.addr, 4)
	var err error
	if k.force, err = k.client.SetUpForce(ctx, k.p.login(t, email, password), "wessex"); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		marker := fmt.Sprintf("marker-%d-%s", i, harness.RandomHex(4))
		status, r, err := k.client.SubmitReport(ctx, harness.ReportBody("wessex", i == 0, marker), "rk-"+harness.RandomHex(16))
		if err != nil || status != http.StatusCreated {
			t.Fatalf("report %d: %d %v", i, status, err)
		}
		k.reports = append(k.reports, sealedReport{r: r, marker: marker})
	}
	queue, err := k.client.Queue(ctx, k.force.Officer.Token, "")
	if err != nil {
		t.Fatal(err)
	}
	for i := range k.reports {
		for _, c := range queue {
			if c.Reference == k.reports[i].r.Reference {
				k.reports[i].id = c.ID
			}
		}
	}
	return k
}

// restart stops the server and starts it again with keys.
func (k *keyRotation) restart(t *testing.T, keys string) {
	t.Helper()
	k.p.stop(t)
	k.p = start(t, k.env(keys)...)
	k.p.waitFor(t, "/readyz", http.StatusOK)
	k.client = harness.NewClient("http://"+k.p.addr, 4)
}

// officer sends a request as the force's officer and answers its status
// and body.
func (k *keyRotation) officer(t *testing.T, method, path string, body any) (int, string) {
	t.Helper()
	res, err := k.client.Do(context.Background(), harness.Request{Method: method, Path: path, Token: k.force.Officer.Token, Body: body})
	if err != nil {
		t.Fatal(err)
	}
	return res.Status, string(res.Body)
}

// everyReportOpens checks that each report opens for its reporter and its
// officer, showing its text.
func (k *keyRotation) everyReportOpens(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	for i, rp := range k.reports {
		session, err := k.client.ReporterSession(ctx, rp.r)
		if err != nil {
			t.Errorf("report %d: reporter session: %v", i, err)
			continue
		}
		res, err := k.client.Do(ctx, harness.Request{Method: http.MethodGet, Path: "/v1/reporter/case", Token: session})
		if err != nil || res.Status != http.StatusOK || !strings.Contains(string(res.Body), rp.r.Reference) {
			t.Errorf("report %d: reporter view %d %v %s", i, res.Status, err, res.Body)
		}
		if status, body := k.officer(t, http.MethodGet, "/v1/cases/"+rp.id, nil); status != http.StatusOK || !strings.Contains(body, rp.marker) {
			t.Errorf("report %d: officer case view %d %s", i, status, body)
		}
	}
}
