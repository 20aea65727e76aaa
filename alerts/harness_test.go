package alerts

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"

	"speaksafe/accounts"
	"speaksafe/audit"
	"speaksafe/dbtest"
	"speaksafe/devices"
	"speaksafe/errkind"
	"speaksafe/fcmfake"
	"speaksafe/internal/stafftest"
	"speaksafe/internal/testsupport"
	"speaksafe/oncall"
	"speaksafe/outbound"
	"speaksafe/reports"
)

const (
	testForce  = "force-1"
	hookSecret = "0123456789abcdef0123456789abcdef-secret"
)

type fakeCases struct {
	mu     sync.Mutex
	exists map[string]bool
	acked  map[string]string
	states map[string][]reports.AlertState
	info   map[string]reports.AlertInfo
}

func (f *fakeCases) SetAlertState(_ context.Context, id string, st reports.AlertState, _ time.Time) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.states[id] = append(f.states[id], st)
	return nil
}

func (f *fakeCases) AlertInfo(_ context.Context, id string) (reports.AlertInfo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.exists[id] {
		return reports.AlertInfo{}, errkind.NotFound
	}
	in, ok := f.info[id]
	if !ok {
		in = reports.AlertInfo{Reference: "REF-" + id, Category: reports.CategorySomethingElse}
	}
	in.CaseID, in.ForceID = id, testForce
	return in, nil
}

// alertStates returns the alert states case id went through.
func (f *fakeCases) alertStates(id string) []reports.AlertState {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]reports.AlertState(nil), f.states[id]...)
}

// storeWith stores case id with what its alert may show.
func (f *fakeCases) storeWith(id string, in reports.AlertInfo) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.exists[id], f.info[id] = true, in
}

func (f *fakeCases) CaseExists(_ context.Context, id string) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.exists[id], nil
}

func (f *fakeCases) MarkAcknowledged(_ context.Context, id, user string, _ time.Time) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.acked[id] == "" {
		f.acked[id] = user
	}
	return nil
}

func (f *fakeCases) store(id string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.exists[id] = true
}

// hookRequest is one control-room webhook call.
type hookRequest struct {
	Timestamp, Signature string
	Body                 []byte
}

type harness struct {
	t      testing.TB
	db     *mongo.Database
	fcm    *fcmfake.Server
	clock  *testsupport.Clock
	users  *stafftest.Users
	cases  *fakeCases
	oncall *oncall.OnCall
	devs   *devices.Devices
	hook   *httptest.Server
	hooks  chan hookRequest
	log    *slog.Logger
	now    func() time.Time
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	return newHarnessTB(t, testsupport.NewClock(time.Date(2025, 6, 2, 10, 0, 0, 0, time.UTC)), nil)
}

// newBenchHarness follows the wall clock: benchmarks measure real latency.
func newBenchHarness(b *testing.B) *harness {
	b.Helper()
	h := newHarnessTB(b, nil, time.Now)
	h.officer("off1", "token-officer-one-000")
	h.officer("off2", "token-officer-two-000")
	h.standardPolicy("off1", "off2", 0)
	return h
}

func newHarnessTB(t testing.TB, clock *testsupport.Clock, now func() time.Time) *harness {
	t.Helper()
	if now == nil {
		now = clock.Now
	}
	h := &harness{t: t, db: dbtest.New(t), fcm: fcmfake.New(), clock: clock, now: now,
		users: stafftest.NewUsers(),
		cases: &fakeCases{exists: map[string]bool{}, acked: map[string]string{},
			states: map[string][]reports.AlertState{}, info: map[string]reports.AlertInfo{}},
		hooks: make(chan hookRequest, 100),
		log:   slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	t.Cleanup(h.fcm.Close)
	h.hook = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		h.hooks <- hookRequest{r.Header.Get(HeaderTimestamp), r.Header.Get(HeaderSignature), b}
	}))
	t.Cleanup(h.hook.Close)
	h.oncall = oncall.NewOnCall(h.db, h.users, h.now, time.Minute, noAudit(), h.log)
	local, err := outbound.ParseAllowedHosts([]string{"127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	h.oncall.AllowWebhookHosts(local) // the local test receiver
	h.devs = devices.NewDevices(h.db, h.users, h.log, h.now, noAudit())
	h.addUser("sup", accounts.RoleSupervisor)
	return h
}

// dispatcher builds a new engine on the harness database, as another
// process (or a restarted one) would.
func (h *harness) dispatcher() *Dispatcher {
	h.t.Helper()
	sender, err := NewFCM(context.Background(), FCMConfig{ProjectID: "p", Endpoint: h.fcm.Endpoint()})
	if err != nil {
		h.t.Fatal(err)
	}
	d := NewDispatcher(Deps{DB: h.db, OnCall: h.oncall, Devices: h.devs, Sender: sender, Cases: h.cases,
		Webhooks: h.hook.Client(), Log: h.log, Now: h.now},
		EngineConfig{WebhookSecret: hookSecret, MinDelay: time.Minute, Grace: 2 * time.Minute, SweepInterval: time.Second})
	h.t.Cleanup(d.Stop)
	return d
}

func (h *harness) addUser(id string, role accounts.Role) {
	h.users.Update(id, func(u *accounts.User) {
		*u = accounts.User{ID: id, Role: role, OrgID: testForce, OrgKind: accounts.OrgForce, ForceID: testForce}
	})
}

func (h *harness) as(userID string) context.Context {
	u, _ := h.users.LookupUser(context.Background(), userID)
	return accounts.WithCaller(context.Background(), accounts.Caller{UserID: u.ID, Role: u.Role,
		OrgID: u.OrgID, OrgKind: u.OrgKind, ForceID: u.ForceID})
}

// officer adds an officer with one registered phone whose token is token.
func (h *harness) officer(id, token string) {
	h.t.Helper()
	h.addUser(id, accounts.RoleOfficer)
	if _, err := h.devs.Register(h.as(id), devices.DeviceInput{Token: token, Platform: devices.PlatformAndroid, AppVersion: "1.0"}); err != nil {
		h.t.Fatalf("register device: %v", err)
	}
}

// standardPolicy makes rotation [first] tier 0, users [second] tier 1, the
// webhook tier 2, a minute each, and sets it as the force default.
func (h *harness) standardPolicy(first, second string, repeat int) oncall.Policy {
	h.t.Helper()
	ctx := h.as("sup")
	rot, err := h.oncall.CreateRotation(ctx, oncall.Rotation{Name: "Duty", Members: []string{first}, ShiftHours: 24,
		Handover: "08:00", StartDate: "2025-01-01"})
	if err != nil {
		h.t.Fatalf("create rotation: %v", err)
	}
	p, err := h.oncall.CreatePolicy(ctx, oncall.Policy{Name: "Urgent", Repeat: repeat, Tiers: []oncall.Tier{
		{RotationID: rot.ID, DelaySeconds: 60},
		{UserIDs: []string{second}, DelaySeconds: 60},
		{Webhook: &oncall.Webhook{URL: h.hook.URL + "/hook"}, DelaySeconds: 60},
	}})
	if err != nil {
		h.t.Fatalf("create policy: %v", err)
	}
	if _, err := h.oncall.SetDefault(ctx, p.ID); err != nil {
		h.t.Fatalf("set default: %v", err)
	}
	return p
}

// open opens an alert for a stored case, as reports do.
func (h *harness) open(d *Dispatcher, caseID string) {
	h.t.Helper()
	if err := d.Open(context.Background(), caseID, testForce, h.now()); err != nil {
		h.t.Fatalf("Open: %v", err)
	}
	h.cases.store(caseID)
}

func (h *harness) waitDelivered(n int) {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := h.fcm.WaitDelivered(ctx, n); err != nil {
		h.t.Fatalf("waiting for %d delivered pages: %v (got %d requests)", n, err, len(h.fcm.Requests()))
	}
}

// sweep runs one sweep and waits for everything it started, deliveries
// included (they run beside the escalation clock).
func (h *harness) sweep(d *Dispatcher) {
	h.t.Helper()
	if err := d.Sweep(context.Background()); err != nil {
		h.t.Fatalf("Sweep: %v", err)
	}
	d.Wait()
}

func (h *harness) alert(d *Dispatcher, id string) Alert {
	h.t.Helper()
	a, err := d.alert(context.Background(), id)
	if err != nil {
		h.t.Fatalf("alert: %v", err)
	}
	return a
}

func delivered(reqs []fcmfake.Request, token string) int {
	n := 0
	for _, r := range reqs {
		if r.Token == token && r.Delivered() {
			n++
		}
	}
	return n
}

func dataOf(t *testing.T, r fcmfake.Request) map[string]string {
	t.Helper()
	var body struct {
		Message struct {
			Data map[string]string `json:"data"`
		} `json:"message"`
	}
	if err := json.Unmarshal(r.Body, &body); err != nil {
		t.Fatal(err)
	}
	return body.Message.Data
}

// noAudit accepts every entry: the engine's tests look at pages, not at
// the on-call and device entries (oncall's and devices' own tests do).
func noAudit() audit.Recorder {
	return audit.RecorderFunc(func(context.Context, audit.Entry) error { return nil })
}
