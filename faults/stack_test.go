package faults

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"speaksafe/fcmfake"
	"speaksafe/internal/harness"
	"speaksafe/internal/testsupport"
)

var bins harness.Binaries

func TestMain(m *testing.M) {
	if os.Getenv("SPEAKSAFE_FAULTS") != "1" {
		fmt.Println("faults: skipped (set SPEAKSAFE_FAULTS=1 to run the fault suite)")
		os.Exit(m.Run())
	}
	dir, err := os.MkdirTemp("", "speaksafe-faults-")
	if err != nil {
		panic(err)
	}
	root, err := harness.ModuleRoot()
	if err != nil {
		panic(err)
	}
	if bins, err = harness.Build(context.Background(), root, dir); err != nil {
		panic(err)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// bound is how long a poll of another process may take before the test
// fails: generous, because the machine may be busy, but finite.
const bound = 3 * time.Minute

// stack is a store process, server processes on it and a fake FCM.
type stack struct {
	t        *testing.T
	dir      string
	store    *harness.Proc
	storeDir string
	fcm      *fcmfake.Server
	cfg      harness.ServerConfig
	servers  []*harness.Proc
	admin    string
	force    harness.Force
}

func needFaults(t *testing.T) {
	t.Helper()
	if os.Getenv("SPEAKSAFE_FAULTS") != "1" {
		t.Skip("set SPEAKSAFE_FAULTS=1 to run the fault suite")
	}
}

// pagingEachReport is the servers' environment: quiet logs, and flood
// grouping and the per-force page rate out of the way. The suite checks that
// every urgent report answered 201 pages the officer with its own page
// after a fault; at the defaults the load's 20 or more urgent reports to one
// force would rightly be folded into digests (proven in reports and
// alerts), and the check would fail for that instead.
func pagingEachReport() []string {
	return []string{"LOG_LEVEL=warn", "URGENT_FLOOD_PER_FORCE=100000", "URGENT_FLOOD_PER_NETWORK=100000", "PAGE_RATE_PER_FORCE=10000"}
}

// newStack starts the store, one server and the fake FCM, and sets up a force
// whose officer has one phone and is tier 1 of the default policy.
func newStack(t *testing.T, extraEnv ...string) *stack {
	t.Helper()
	dir := t.TempDir()
	s := &stack{t: t, dir: dir, storeDir: filepath.Join(dir, "store"), fcm: fcmfake.New()}
	t.Cleanup(s.fcm.Close)
	storeAddr, err := testsupport.FreeAddr()
	if err != nil {
		t.Fatal(err)
	}
	s.startStore(storeAddr)
	s.cfg = harness.ServerConfig{StoreURI: "mongodb://" + storeAddr + "/", Database: "speaksafe",
		Secrets: harness.NewSecrets(), AdminUser: "admin@speaksafe.test", AdminPass: "admin-" + harness.RandomHex(12),
		FCM: s.fcm.Endpoint(), Extra: append(pagingEachReport(), extraEnv...)}
	srv := s.startServer()
	c := s.client(srv)
	ctx := context.Background()
	if s.admin, err = c.Login(ctx, s.cfg.AdminUser, s.cfg.AdminPass); err != nil {
		t.Fatal(err)
	}
	if s.force, err = c.SetUpForce(ctx, s.admin, "fault-"+harness.RandomHex(3)); err != nil {
		t.Fatal(err)
	}
	return s
}

func (s *stack) startStore(addr string) {
	s.t.Helper()
	p, err := harness.StartStore(context.Background(), bins.Store, addr, s.storeDir)
	if err != nil {
		s.t.Fatal(err)
	}
	s.store = p
	s.t.Cleanup(p.Kill)
}

// startServer starts one more server process on the stack's store and waits
// until it is ready.
func (s *stack) startServer() *harness.Proc {
	s.t.Helper()
	cfg := s.cfg
	addr, err := testsupport.FreeAddr()
	if err != nil {
		s.t.Fatal(err)
	}
	cfg.Addr = addr
	cfg.DataDir = filepath.Join(s.dir, fmt.Sprintf("server-%d", len(s.servers)))
	p, err := harness.StartServer(bins.Server, cfg)
	if err != nil {
		s.t.Fatal(err)
	}
	s.t.Cleanup(func() {
		p.Kill()
		if s.t.Failed() {
			s.t.Logf("%s logs (tail):\n%s", p.Addr, tail(p.Logs(), 4000))
		}
	})
	if err := p.WaitReady(context.Background(), bound); err != nil {
		s.t.Fatal(err)
	}
	s.servers = append(s.servers, p)
	return p
}

func (s *stack) client(p *harness.Proc) *harness.Client {
	return harness.NewClient("http://"+p.Addr, 32)
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// submission is one report the load sent, with what it got.
type submission struct {
	key    string
	body   map[string]any
	urgent bool
	marker string
	status int
	err    error
	rc     harness.Receipt
}

// load sends reports from conc workers until stop is closed; every third is
// urgent. Each report carries a unique marker in its free text.
type load struct {
	mu      sync.Mutex
	subs    []*submission
	created int
	failed  int
	// notify is closed and replaced on every answer, so a test can wait
	// for "n more 201s" or "n more failures" without sleeping.
	notify chan struct{}
	wg     sync.WaitGroup
	stop   chan struct{}
}

func startLoad(clients func(i int) *harness.Client, forceCode string, conc int) *load {
	l := &load{notify: make(chan struct{}), stop: make(chan struct{})}
	for w := range conc {
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			for i := 0; ; i++ {
				select {
				case <-l.stop:
					return
				default:
				}
				urgent := (w+i)%3 == 0
				marker := "MARKER-" + harness.RandomHex(8)
				sub := &submission{key: "fault-" + harness.RandomHex(16), body: harness.ReportBody(forceCode, urgent, marker),
					urgent: urgent, marker: marker}
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				sub.status, sub.rc, sub.err = clients(w+i).SubmitReport(ctx, sub.body, sub.key)
				cancel()
				l.record(sub)
				if sub.status != http.StatusCreated {
					// Pace failures like an app's retry timer would; this is
					// not synchronisation, only not spinning on errors.
					select {
					case <-l.stop:
						return
					case <-time.After(20 * time.Millisecond):
					}
				}
			}
		}()
	}
	return l
}

func (l *load) record(s *submission) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.subs = append(l.subs, s)
	if s.status == http.StatusCreated {
		l.created++
	} else {
		l.failed++
	}
	close(l.notify)
	l.notify = make(chan struct{})
}

// waitFor blocks until cond(created, failed) holds, or fails the test after
// bound.
func (l *load) waitFor(t *testing.T, what string, cond func(created, failed int) bool) {
	t.Helper()
	deadline := time.After(bound)
	for {
		l.mu.Lock()
		ok, ch, c, f := cond(l.created, l.failed), l.notify, l.created, l.failed
		l.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-ch:
		case <-deadline:
			t.Fatalf("load: %s not reached within %s (201s %d, failures %d)", what, bound, c, f)
		}
	}
}

func (l *load) counts() (int, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.created, l.failed
}

// halt stops the workers and returns every submission.
func (l *load) halt() []*submission {
	close(l.stop)
	l.wg.Wait()
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]*submission(nil), l.subs...)
}

// retryFailed sends every submission that got no 201 again with the same
// key and body, as the app does, until it gets 201 (bounded).
func retryFailed(t *testing.T, c *harness.Client, subs []*submission) {
	t.Helper()
	ctx := context.Background()
	for _, s := range subs {
		if s.status == http.StatusCreated {
			continue
		}
		err := testsupport.Eventually(ctx, bound, 100*time.Millisecond, func() (bool, error) {
			s.status, s.rc, s.err = c.SubmitReport(ctx, s.body, s.key)
			return s.status == http.StatusCreated, fmt.Errorf("status %d: %v", s.status, s.err)
		})
		if err != nil {
			t.Fatalf("retry of %s with its Idempotency-Key: %v", s.key, err)
		}
	}
}

// checkStored asserts that every submission that got 201 is in the officers'
// queue exactly once (so also: nothing stored twice), that an officer can
// open each, and that the queue holds nothing else.
func (s *stack) checkStored(c *harness.Client, subs []*submission) map[string]harness.CaseSummary {
	t := s.t
	t.Helper()
	ctx := context.Background()
	tok, err := c.Login(ctx, s.force.Officer.Email, s.force.Officer.Password)
	if err != nil {
		t.Fatal(err)
	}
	queue, err := c.Queue(ctx, tok, "")
	if err != nil {
		t.Fatal(err)
	}
	byRef := map[string]harness.CaseSummary{}
	for _, cs := range queue {
		if _, dup := byRef[cs.Reference]; dup {
			t.Errorf("reference %s appears twice in the queue", cs.Reference)
		}
		byRef[cs.Reference] = cs
	}
	want := map[string]bool{}
	for _, sub := range subs {
		if sub.status != http.StatusCreated {
			continue
		}
		want[sub.rc.Reference] = true
		cs, ok := byRef[sub.rc.Reference]
		if !ok {
			// Stored but unlisted, or lost? The child's own way back tells.
			if _, err := c.ReporterSession(ctx, sub.rc); err == nil {
				t.Errorf("report %s got 201 and is stored (the reporter can open it) but is missing from the officers' queue", sub.rc.Reference)
			} else {
				t.Errorf("report %s got 201 but is lost: not in the queue, and its reference and receipt open nothing (%v)", sub.rc.Reference, err)
			}
			continue
		}
		if cs.Urgent != sub.urgent {
			t.Errorf("report %s: urgent %v in the queue, sent urgent %v", sub.rc.Reference, cs.Urgent, sub.urgent)
		}
	}
	for ref := range byRef {
		if !want[ref] {
			t.Errorf("queue holds %s, which no 201 answered (a duplicate or a phantom case)", ref)
		}
	}
	if len(byRef) != len(want) {
		t.Errorf("queue has %d cases, want %d (one per report that got 201)", len(byRef), len(want))
	}
	// Open a sample of cases as the officer (every open is audited and
	// decrypts the report: this is "readable"), all of them when few.
	step := max(1, len(queue)/25)
	for i := 0; i < len(queue); i += step {
		res, err := c.Do(ctx, harness.Request{Method: http.MethodGet, Path: "/v1/cases/" + queue[i].ID, Token: tok})
		if err != nil || res.Status != http.StatusOK {
			t.Errorf("officer opens case %s: %v %d %s", queue[i].Reference, err, res.Status, res.Body)
		}
	}
	return byRef
}

// alertOf returns the alertId of a recorded FCM request.
func alertOf(r fcmfake.Request) string {
	data, _ := r.Message["data"].(map[string]any)
	id, _ := data["alertId"].(string)
	return id
}

func collapseKey(r fcmfake.Request) string {
	android, _ := r.Message["android"].(map[string]any)
	k, _ := android["collapse_key"].(string)
	return k
}

// checkPaged asserts that every urgent stored case paged the officer's
// phone (at least once; exactly once when exact), that every page carries
// its alert id as collapse key, that no page was for anything but a stored
// urgent case, and that no page carries report text.
func (s *stack) checkPaged(byRef map[string]harness.CaseSummary, subs []*submission, exact bool) {
	t := s.t
	t.Helper()
	urgent := map[string]bool{}
	for _, cs := range byRef {
		if cs.Urgent {
			urgent[cs.ID] = true
		}
	}
	err := s.waitFCM(func(rs []fcmfake.Request) bool {
		got := map[string]bool{}
		for _, r := range rs {
			if r.Delivered() && r.Token == s.force.DeviceToken {
				got[alertOf(r)] = true
			}
		}
		for id := range urgent {
			if !got[id] {
				return false
			}
		}
		return true
	})
	if err != nil {
		t.Errorf("not every urgent report was paged within %s: %v", bound, err)
	}
	delivered := map[string]int{}
	tok, err := s.client(s.servers[len(s.servers)-1]).Login(context.Background(), s.force.Officer.Email, s.force.Officer.Password)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range s.fcm.Requests() {
		id := alertOf(r)
		if !urgent[id] && !s.isUrgentCase(tok, id) {
			t.Errorf("a page for alert %q, which is no stored urgent case", id)
		}
		if k := collapseKey(r); k != id {
			t.Errorf("page for alert %s has collapse key %q, want the alert id", id, k)
		}
		for _, sub := range subs {
			if strings.Contains(string(r.Body), sub.marker) {
				t.Errorf("a push body carries report text (marker %s)", sub.marker)
			}
		}
		if r.Delivered() {
			delivered[id]++
		}
	}
	for id := range urgent {
		if exact && delivered[id] != 1 {
			t.Errorf("alert %s: delivered %d times to the officer's phone, want exactly 1 (one step, no crash)", id, delivered[id])
		}
	}
	t.Logf("%d urgent cases, %d FCM requests, %d alerts delivered", len(urgent), len(s.fcm.Requests()), len(delivered))
}

// servesAgain checks that the server takes a new report and pages a new
// urgent one.
func (s *stack) servesAgain(p *harness.Proc) {
	t := s.t
	t.Helper()
	c := s.client(p)
	ctx := context.Background()
	before := len(s.fcm.Requests())
	status, rc, err := c.SubmitReport(ctx, harness.ReportBody(s.force.Code, true, "after"), "fault-after-"+harness.RandomHex(8))
	if err != nil || status != http.StatusCreated || !rc.Urgent {
		t.Fatalf("after the fault, an urgent report: %d %v %+v", status, err, rc)
	}
	err = s.waitFCM(func(rs []fcmfake.Request) bool {
		for _, r := range rs[before:] {
			if r.Delivered() && r.Token == s.force.DeviceToken {
				return true
			}
		}
		return false
	})
	if err != nil {
		t.Fatalf("after the fault, the urgent report was not paged: %v", err)
	}
}

// waitFCM waits, without polling, until cond holds for the fake FCM's
// requests, up to bound.
func (s *stack) waitFCM(cond func([]fcmfake.Request) bool) error {
	ctx, cancel := context.WithTimeout(context.Background(), bound)
	defer cancel()
	return s.fcm.Wait(ctx, cond)
}

// isUrgentCase reports whether an officer can open case id and it is urgent
// (for cases that exist but are missing from the queue).
func (s *stack) isUrgentCase(token, id string) bool {
	res, err := s.client(s.servers[len(s.servers)-1]).Do(context.Background(), harness.Request{Method: http.MethodGet, Path: "/v1/cases/" + id, Token: token})
	return err == nil && res.Status == http.StatusOK && strings.Contains(string(res.Body), `"urgent":true`)
}
