package alerts_test

import (
	"context"
	"fmt"
	"net/http"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/event"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"speaksafe/accounts"
	"speaksafe/apptest"
	"speaksafe/database"
	"speaksafe/dbtest"
	"speaksafe/fcmfake"
	"speaksafe/internal/harness"
	"speaksafe/server"
)

// BenchmarkUrgentReportToPage sends urgent reports through the whole app
// (POST /v1/reports, the real dispatcher, the fake FCM through the
// Firebase SDK), one at a time, and measures each from the request being
// sent to the page reaching the fake FCM. Besides ns/op it reports the
// store commands (each one round trip) sent before and after the page, and
// with -v it lists them by the function that sent them.
// Run: go test -run '^$' -bench UrgentReportToPage -benchtime 20x -v ./alerts
func BenchmarkUrgentReportToPage(b *testing.B) {
	u := newUrgentPath(b)
	u.submit(b) // warm: first-use reads (force, policy) and connections
	u.trace.reset()
	b.ResetTimer()
	var lat []time.Duration
	for range b.N {
		lat = append(lat, u.submit(b))
	}
	b.StopTimer()
	before, after := u.trace.split()
	n := float64(b.N)
	b.ReportMetric(float64(len(before))/n, "cmds-before-page/op")
	b.ReportMetric(float64(writes(before))/n, "writes-before-page/op")
	b.ReportMetric(float64(len(onPath(before)))/n, "path-cmds-before-page/op")
	b.ReportMetric(float64(len(after))/n, "cmds-after-page/op")
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.Logf("store commands per urgent report, from the request to the page (%d reports):\n%s", b.N, breakdown(before, b.N))
	b.Logf("store commands per urgent report, after the page:\n%s", breakdown(after, b.N))
	b.Logf("the last report's commands in order:\n%s", u.trace.sequence())
}

// urgentPath is an app whose only force has one on-call officer with one
// phone, paged at the first tier, and whose store commands are traced.
type urgentPath struct {
	app   *apptest.App
	fcm   *fcmfake.Server
	trace *storeTrace
	code  string
	paged chan struct{}
}

func newUrgentPath(b *testing.B) *urgentPath {
	b.Helper()
	tr := &storeTrace{}
	client, err := database.Connect(dbtest.URI(b), options.Client().SetMonitor(tr.monitor()))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = client.Disconnect(context.Background()) })
	db := client.Database(dbtest.NewName(b))
	b.Cleanup(func() { _ = db.Drop(context.Background()) })
	fake := fcmfake.New()
	b.Cleanup(fake.Close)
	app := apptest.New(b, apptest.WithDatabase(db), apptest.WithoutWorkers(), apptest.WithConfig(func(c *server.Config) {
		c.FCMEndpoint, c.FirebaseProjectID = fake.Endpoint(), "p"
		c.UrgentFloodPerNetwork, c.UrgentFloodPerForce, c.PageRatePerForce = 100_000, 100_000, 10_000
	}))
	force := app.CreateForce(b, "")
	sup, off := app.Staff(b, accounts.RoleSupervisor, force.ID), app.Staff(b, accounts.RoleOfficer, force.ID)
	mustStatus(b, app.Post(b, "/v1/me/devices", off.Token,
		map[string]string{"token": "fcm-token-urgent-path-0001", "platform": "android", "appVersion": "1.0"}), http.StatusOK)
	res := app.Post(b, "/v1/oncall/policies", sup.Token, map[string]any{"name": "Urgent", "repeat": 0, "tiers": []map[string]any{
		{"userIds": []string{off.ID}, "delaySeconds": 3600},
		{"webhook": map[string]string{"url": "https://control-room.example/hook"}, "delaySeconds": 3600},
	}})
	mustStatus(b, res, http.StatusCreated)
	var pol struct{ ID string }
	res.Decode(b, &pol)
	mustStatus(b, app.Do(b, apptest.Request{Method: http.MethodPut, Path: "/v1/oncall/policies/" + pol.ID + "/default", Token: sup.Token}), http.StatusOK)
	u := &urgentPath{app: app, fcm: fake, trace: tr, code: force.Code, paged: make(chan struct{}, 1)}
	fake.OnRequest(func(r fcmfake.Request) {
		if r.Delivered() {
			tr.mark()
			u.paged <- struct{}{}
		}
	})
	return u
}

// submit sends one urgent report, waits for its page and for the engine to
// finish with it, and returns the time from sending to the page.
func (u *urgentPath) submit(b *testing.B) time.Duration {
	b.Helper()
	body := harness.ReportBody(u.code, true, "")
	start := time.Now()
	u.trace.begin()
	res := u.app.Do(b, apptest.Request{Method: http.MethodPost, Path: "/v1/reports", Body: body,
		Header: map[string]string{"Idempotency-Key": "urgent-path-" + harness.RandomHex(12)}})
	mustStatus(b, res, http.StatusCreated)
	select {
	case <-u.paged:
	case <-time.After(30 * time.Second):
		b.Fatal("no page within 30 s")
	}
	lat := u.trace.pagedAt().Sub(start)
	u.app.AlertEngine().Wait()
	return lat
}

func mustStatus(b *testing.B, res *apptest.Response, want int) {
	b.Helper()
	if res.Status != want {
		b.Fatalf("got %d, want %d: %s", res.Status, want, res.Body)
	}
}

// storeTrace records every store command with the function of this module
// that sent it, and where each report's page fell among them.
type storeTrace struct {
	mu     sync.Mutex
	cmds   []traced
	page   time.Time
	before []traced // commands of finished reports, before their page
	after  []traced
	last   []traced // the last finished report's commands, in order
}

type traced struct {
	name, coll, by string
	paged          bool // sent after the report's page
}

func (s *storeTrace) monitor() *event.CommandMonitor {
	return &event.CommandMonitor{Started: func(_ context.Context, e *event.CommandStartedEvent) {
		coll, _ := e.Command.Index(0).Value().StringValueOK()
		t := traced{name: e.CommandName, coll: coll, by: sender()}
		s.mu.Lock()
		t.paged = !s.page.IsZero()
		s.cmds = append(s.cmds, t)
		s.mu.Unlock()
	}}
}

// begin starts a report: the commands of the previous one are filed.
func (s *storeTrace) begin() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.cmds {
		if c.paged {
			s.after = append(s.after, c)
		} else {
			s.before = append(s.before, c)
		}
	}
	if len(s.cmds) > 0 {
		s.last = s.cmds
	}
	s.cmds, s.page = nil, time.Time{}
}

func (s *storeTrace) mark() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.page.IsZero() {
		s.page = time.Now()
	}
}

func (s *storeTrace) pagedAt() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.page
}

func (s *storeTrace) reset() {
	s.begin()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.before, s.after = nil, nil
}

func (s *storeTrace) split() (before, after []traced) {
	s.begin()
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.before, s.after
}

// sender names the function of this module (outside the database package)
// that sent a command, with its caller. The monitor runs on the sending
// goroutine.
func sender() string {
	pc := make([]uintptr, 64)
	n := runtime.Callers(3, pc)
	frames := runtime.CallersFrames(pc[:n])
	var names []string
	for len(names) < 2 {
		f, more := frames.Next()
		if strings.HasPrefix(f.Function, "speaksafe/") && !strings.HasPrefix(f.Function, "speaksafe/database.") {
			name := strings.TrimPrefix(f.Function, "speaksafe/")
			name = strings.NewReplacer("(*", "", ")", "").Replace(name)
			names = append(names, name)
		}
		if !more {
			break
		}
	}
	return strings.Join(names, " < ")
}

func (s *storeTrace) sequence() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var sb strings.Builder
	for i, c := range s.last {
		mark := "before"
		if c.paged {
			mark = "after "
		}
		fmt.Fprintf(&sb, "  %3d %s %-7s %-22s %s\n", i+1, mark, c.name, c.coll, c.by)
	}
	return sb.String()
}

// onPath leaves out what runs beside the page rather than on its way: the
// audit log's appends and the report's handle pattern check, both after
// the case is stored.
func onPath(cmds []traced) []traced {
	var out []traced
	for _, c := range cmds {
		if !strings.HasPrefix(c.by, "audit.") && !strings.Contains(c.by, "checkPattern") {
			out = append(out, c)
		}
	}
	return out
}

func writes(cmds []traced) int {
	n := 0
	for _, c := range cmds {
		switch c.name {
		case "insert", "update", "delete", "findAndModify":
			n++
		}
	}
	return n
}

// breakdown lists commands per report by command, collection and sender.
func breakdown(cmds []traced, reports int) string {
	count := map[string]int{}
	for _, c := range cmds {
		count[fmt.Sprintf("%-7s %-22s %s", c.name, c.coll, c.by)]++
	}
	keys := make([]string, 0, len(count))
	for k := range count {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var sb strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&sb, "  %5.2f  %s\n", float64(count[k])/float64(reports), k)
	}
	fmt.Fprintf(&sb, "  %5.2f  in all (%d writes)\n", float64(len(cmds))/float64(reports), writes(cmds))
	return sb.String()
}
