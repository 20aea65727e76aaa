package reminders

import (
	"context"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"

	"speaksafe/accounts"
	"speaksafe/audit"
	"speaksafe/dbtest"
	"speaksafe/fieldcrypt"
	"speaksafe/internal/testsupport"
	"speaksafe/reports"
)

type openLimiter struct{}

func (openLimiter) Allow(context.Context, string, string, int, time.Duration) (bool, time.Duration, error) {
	return true, 0, nil
}

func (openLimiter) Exceeded(context.Context, string, string, int, time.Duration) (bool, time.Duration, error) {
	return false, 0, nil
}

func (openLimiter) Group(context.Context, string, string, time.Duration) (string, error) {
	return "", nil
}

func (openLimiter) Claim(context.Context, string, string, time.Duration) (int, error) { return 1, nil }

// caseStore is one instance's reports store over db, for force-a (code AB).
func caseStore(t *testing.T, db *mongo.Database, keys *fieldcrypt.Keys, now func() time.Time) *reports.Store {
	t.Helper()
	s, err := reports.NewStore(db, reports.Config{Keys: keys,
		Argon2: reports.Argon2Params{Time: 1, MemoryKiB: 64, Threads: 1, MaxConcurrent: 2},
		Forces: reports.ForcesFunc(func(context.Context, string) (string, error) { return "force-a", nil }),
		Audit:  audit.RecorderFunc(func(context.Context, audit.Entry) error { return nil }), Limiter: openLimiter{},
		Handlers: reports.HandlersFunc(func(_ context.Context, forceID, _ string) (bool, error) { return forceID == "force-a", nil }),
		Now:      now})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// The reminders served by one instance follow the cases changed through
// another instance on the same store: a new case nobody opened becomes a
// reminder when its time comes, and goes once an officer opens it there.
func TestRemindersFollowAnotherInstancesChanges(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	k, err := fieldcrypt.NewKey("k1")
	if err != nil {
		t.Fatal(err)
	}
	keys, err := fieldcrypt.Parse(k)
	if err != nil {
		t.Fatal(err)
	}
	clock := testsupport.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	here, there := caseStore(t, db, keys, clock.Now), caseStore(t, db, keys, clock.Now)
	s := New(Deps{DB: db, Cases: here, Now: clock.Now})
	sup := accounts.WithCaller(context.Background(), accounts.Caller{UserID: "sup", Role: accounts.RoleSupervisor,
		OrgID: "force-a", OrgKind: accounts.OrgForce, ForceID: "force-a"})
	if got, err := s.List(sup); err != nil || len(got) != 0 {
		t.Fatalf("no cases: %+v %v", got, err)
	}
	sub, err := there.Submit(context.Background(), "reminders-test-key-0001", reports.Report{ForceCode: "AB",
		Category: reports.CategoryGiftsOrMoney, WhatHappened: "he sends me credits"})
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(DefaultSettings().NotOpened)
	got, err := s.List(sup)
	if err != nil || len(got) != 1 || got[0].Kind != KindNotOpened || got[0].CaseID != sub.CaseID {
		t.Fatalf("a case nobody opened, stored through the other instance: %+v %v", got, err)
	}
	if _, err := there.Case(officerOf("force-a", "pc"), sub.CaseID); err != nil {
		t.Fatal(err)
	}
	if got, err := s.List(sup); err != nil || len(got) != 0 {
		t.Errorf("after an officer opened it through the other instance: %+v %v, want none", got, err)
	}
}
