package reports

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"speaksafe/accounts"
	"speaksafe/audit"
	"speaksafe/dbtest"
	"speaksafe/errkind"
	"speaksafe/fieldcrypt"
	"speaksafe/internal/testsupport"
	"speaksafe/ratelimit"
)

// fakeAlerter records calls and checks the durability order: when Open is
// called the case must not exist yet.
type fakeAlerter struct {
	mu       sync.Mutex
	db       *mongo.Database
	opened   map[string]int
	started  map[string]int
	acked    map[string]string
	openErr  error
	badOrder []string
}

func newFakeAlerter(db *mongo.Database) *fakeAlerter {
	return &fakeAlerter{db: db, opened: map[string]int{}, started: map[string]int{}, acked: map[string]string{}}
}

func (a *fakeAlerter) OpenUrgent(ctx context.Context, caseID, forceID string, at time.Time, _ AlertFlood) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.openErr != nil {
		return a.openErr
	}
	n, _ := a.db.Collection(collCases).CountDocuments(ctx, bson.D{{Key: "_id", Value: caseID}})
	if n > 0 && a.opened[caseID] == 0 {
		a.badOrder = append(a.badOrder, caseID)
	}
	a.opened[caseID]++
	return nil
}

func (a *fakeAlerter) Start(caseID string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.started[caseID]++
}

func (a *fakeAlerter) Acknowledged(_ context.Context, caseID, userID string, _ time.Time) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.acked[caseID] = userID
	return nil
}

type fakeForces map[string]string

func (f fakeForces) ForceID(_ context.Context, code string) (string, error) {
	if id, ok := f[code]; ok {
		return id, nil
	}
	return "", fmt.Errorf("force %s: %w", code, errkind.NotFound)
}

type fakeAudit struct {
	mu      sync.Mutex
	entries []audit.Entry
}

func (a *fakeAudit) Record(_ context.Context, e audit.Entry) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.entries = append(a.entries, e)
	return nil
}

func (a *fakeAudit) find(action, objectID string) []audit.Entry {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []audit.Entry
	for _, e := range a.entries {
		if e.Action == action && (objectID == "" || e.ObjectID == objectID) {
			out = append(out, e)
		}
	}
	return out
}

type fakeHandlers map[string]string // userID → forceID

func (h fakeHandlers) CanHandle(_ context.Context, forceID, userID string) (bool, error) {
	return h[userID] == forceID, nil
}

type env struct {
	db      *mongo.Database
	store   *Store
	alerter *fakeAlerter
	audit   *fakeAudit
	limiter *ratelimit.Limiter
	clock   *testsupport.Clock
	keys    *fieldcrypt.Keys
}

const (
	forceA = "force-a"
	forceB = "force-b"
)

func newEnv(t testing.TB) *env {
	t.Helper()
	db := dbtest.New(t)
	k, err := fieldcrypt.NewKey("k1")
	if err != nil {
		t.Fatal(err)
	}
	keys, err := fieldcrypt.Parse(k)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{db: db, alerter: newFakeAlerter(db), audit: &fakeAudit{},
		clock: testsupport.NewClock(time.Date(2025, 3, 10, 9, 0, 0, 0, time.UTC)), keys: keys}
	if e.limiter, err = ratelimit.New(nil, []byte(strings.Repeat("r", 32)), true, e.clock.Now); err != nil {
		t.Fatal(err)
	}
	e.store, err = NewStore(db, Config{
		Keys: keys, Argon2: Argon2Params{Time: 1, MemoryKiB: 64, Threads: 1, MaxConcurrent: 4},
		Alerter: e.alerter, Forces: fakeForces{"AB": forceA, "CD": forceB}, Audit: e.audit, Limiter: e.limiter,
		Handlers: fakeHandlers{"officer-a": forceA, "officer-a2": forceA, "officer-b": forceB},
		Now:      e.clock.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func staff(role accounts.Role, user, orgID string, kind accounts.OrgKind, forceID string) context.Context {
	return accounts.WithCaller(context.Background(), accounts.Caller{UserID: user, Role: role, OrgID: orgID, OrgKind: kind, ForceID: forceID})
}

func officerA() context.Context {
	return staff(accounts.RoleOfficer, "officer-a", forceA, accounts.OrgForce, forceA)
}

func officerB() context.Context {
	return staff(accounts.RoleOfficer, "officer-b", forceB, accounts.OrgForce, forceB)
}

func routine(text string) Report {
	return Report{ForceCode: "AB", Category: CategoryGiftsOrMoney, WhatHappened: text}
}

func urgentReport(text string) Report {
	r := routine(text)
	r.Answers.InDangerNow = true
	return r
}

var keySeq struct {
	mu sync.Mutex
	n  int
}

func newKey() string {
	keySeq.mu.Lock()
	defer keySeq.mu.Unlock()
	keySeq.n++
	return fmt.Sprintf("test-key-%012d", keySeq.n)
}

func (e *env) submit(t testing.TB, r Report) Submission {
	t.Helper()
	sub, err := e.store.Submit(context.Background(), newKey(), r)
	if err != nil {
		t.Fatalf("Submit: %v", err)
	}
	return sub
}

func (e *env) count(t testing.TB, coll string) int64 {
	t.Helper()
	n, err := e.db.Collection(coll).CountDocuments(context.Background(), bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	return n
}
