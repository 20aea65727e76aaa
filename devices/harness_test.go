package devices

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"

	"speaksafe/accounts"
	"speaksafe/audit"
	"speaksafe/dbtest"
	"speaksafe/internal/stafftest"
	"speaksafe/internal/testsupport"
)

const testForce = "force-1"

type fakeAudit struct {
	mu      sync.Mutex
	entries []audit.Entry
	fail    error // when set, every Record fails with it
}

func (f *fakeAudit) Record(_ context.Context, e audit.Entry) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return f.fail
	}
	f.entries = append(f.entries, e)
	return nil
}

func (f *fakeAudit) failWith(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fail = err
}

func (f *fakeAudit) find(action, objectID string) (audit.Entry, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, e := range f.entries {
		if e.Action == action && e.ObjectID == objectID {
			return e, true
		}
	}
	return audit.Entry{}, false
}

// harness is a device store on a fresh database, with users kept in
// memory and a clock the test moves.
type harness struct {
	t     *testing.T
	db    *mongo.Database
	clock *testsupport.Clock
	users *stafftest.Users
	audit *fakeAudit
	devs  *Devices
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	h := &harness{t: t, db: dbtest.New(t), clock: testsupport.NewClock(time.Date(2025, 6, 2, 10, 0, 0, 0, time.UTC)),
		users: stafftest.NewUsers()}
	h.audit = &fakeAudit{}
	h.devs = NewDevices(h.db, h.users, slog.New(slog.NewTextHandler(io.Discard, nil)), h.now, h.audit)
	return h
}

func (h *harness) now() time.Time { return h.clock.Now() }

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
	if _, err := h.devs.Register(h.as(id), DeviceInput{Token: token, Platform: PlatformAndroid, AppVersion: "1.0"}); err != nil {
		h.t.Fatalf("register device: %v", err)
	}
}
