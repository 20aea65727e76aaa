package main

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"

	"speaksafe/fieldcrypt"
	"speaksafe/loadtest/harness"
	"speaksafe/reports"
)

// seeder adds reports straight through the reports domain store (the same
// code the server runs, in this process, on the same database with the same
// data keys), which is much faster than the API because it can use cheap
// receipt hashing: the seeded receipts are never used to sign in.
type seeder struct {
	store *reports.Store
	code  string
}

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
			if !strings.EqualFold(code, forceCode) {
				return "", fmt.Errorf("seed: unknown force %q", code)
			}
			return forceID, nil
		}),
		Audit:    reports.AuditFunc(func(context.Context, reports.AuditEvent) error { return nil }),
		Limiter:  allowAll{},
		Handlers: reports.HandlersFunc(func(context.Context, string, string) (bool, error) { return false, nil }),
	})
	if err != nil {
		return nil, err
	}
	return &seeder{store: st, code: forceCode}, nil
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
				r := reports.Report{ForceCode: s.code, Category: "worried_about_friend",
					WhatHappened: "Seeded report for growth measurement; my friend is being messaged by an adult."}
				if _, err := s.store.Submit(ctx, "seed-"+harness.RandomHex(16), r); err != nil {
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
