package main

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"

	"speaksafe/accounts"
	"speaksafe/audit"
	"speaksafe/fieldcrypt"
	"speaksafe/internal/harness"
	"speaksafe/reports"
)

// seeder adds reports straight through the reports domain store (the same
// code the server runs, in this process, on the same database with the same
// data keys), which is much faster than the API because it can use cheap
// receipt hashing: the seeded receipts are never used to sign in.
//
// The stored cases have issue 14's shape: half in the measured force, half
// in another one (a force only the seeder knows: its cases make the
// collections larger, which is what the measured force's reads must not
// feel), and one in ten open; the others are closed through
// reports.Store.SetStatus by a seeding officer of their force.
type seeder struct {
	store   *reports.Store
	code    string
	forceID string
	n       atomic.Int64
}

// otherForce is the code and id of the force that holds the other half.
const otherForce = "lt-growth-other"

type allowAll struct{}

func (allowAll) Allow(context.Context, string, string, int, time.Duration) (bool, time.Duration, error) {
	return true, 0, nil
}

func (allowAll) Exceeded(context.Context, string, string, int, time.Duration) (bool, time.Duration, error) {
	return false, 0, nil
}

func (allowAll) Group(context.Context, string, string, time.Duration) (string, error) { return "", nil }

func newSeeder(db *mongo.Database, dataKeys, forceID, forceCode string) (*seeder, error) {
	keys, err := fieldcrypt.Parse(dataKeys)
	if err != nil {
		return nil, err
	}
	st, err := reports.NewStore(db, reports.Config{
		Keys:   keys,
		Argon2: reports.Argon2Params{Time: 1, MemoryKiB: 64, Threads: 1, MaxConcurrent: 8},
		Forces: reports.ForcesFunc(func(_ context.Context, code string) (string, error) {
			switch {
			case strings.EqualFold(code, forceCode):
				return forceID, nil
			case strings.EqualFold(code, otherForce):
				return otherForce, nil
			}
			return "", fmt.Errorf("seed: unknown force %q", code)
		}),
		Audit:   audit.RecorderFunc(func(context.Context, audit.Entry) error { return nil }),
		Limiter: allowAll{},
		// Only the seeding officer closes cases, and only here.
		Handlers: reports.HandlersFunc(func(_ context.Context, _, userID string) (bool, error) { return userID == seedOfficer, nil }),
	})
	if err != nil {
		return nil, err
	}
	return &seeder{store: st, code: forceCode, forceID: forceID}, nil
}

// fill adds non-urgent reports until the cases collection holds target.
func (s *seeder) fill(ctx context.Context, db *mongo.Database, target int64, conc int) (time.Duration, error) {
	have, err := countCases(ctx, db)
	if err != nil {
		return 0, err
	}
	todo := target - have
	if todo <= 0 {
		return 0, nil
	}
	begin := time.Now()
	var next atomic.Int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	for range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= todo && ctx.Err() == nil {
				if err := s.one(ctx); err != nil {
					firstErr.CompareAndSwap(nil, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if e, ok := firstErr.Load().(error); ok {
		return time.Since(begin), e
	}
	return time.Since(begin), nil
}

// seedOfficer is the user id the seeder closes cases as.
const seedOfficer = "lt-growth-seeder"

// one stores the seeder's next report: even ones in the measured force, odd
// ones in the other; nine in ten are then closed.
func (s *seeder) one(ctx context.Context) error {
	i := s.n.Add(1)
	code, forceID := s.code, s.forceID
	if i%2 == 1 {
		code, forceID = otherForce, otherForce
	}
	r := reports.Report{ForceCode: code, Category: "worried_about_friend",
		WhatHappened: "Seeded report for growth measurement; my friend is being messaged by an adult."}
	sub, err := s.store.Submit(ctx, "seed-"+harness.RandomHex(16), r)
	if err != nil {
		return err
	}
	if (i/2)%10 == 0 {
		return nil // one in ten of each force stays open
	}
	officer := accounts.WithCaller(ctx, accounts.Caller{UserID: seedOfficer, Role: accounts.RoleOfficer,
		OrgID: forceID, OrgKind: accounts.OrgForce, ForceID: forceID})
	_, err = s.store.SetStatus(officer, sub.CaseID, reports.StatusChange{Status: reports.StatusClosed,
		Disposition: reports.DispositionSafeguardingReferral})
	return err
}
