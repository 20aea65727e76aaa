package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"

	"speaksafe/audit"
	"speaksafe/fieldcrypt"
	"speaksafe/internal/harness"
	"speaksafe/reports"
)

// seeder adds reports straight through the reports domain store's bulk
// Seed (the documents a submission and a closing leave, built by the same
// code the server runs, in this process, on the same database with the
// same data keys), in batches: the API would cost a request, a rate limit
// and a dozen single writes per case.
//
// The stored cases have issue 14's shape: half in the measured force, half
// in another one (a force only the seeder knows: its cases make the
// collections larger, which is what the measured force's reads must not
// feel), and one in ten open; the others are written closed, with the
// version event a closing leaves.
type seeder struct {
	store   *reports.Store
	code    string
	forceID string
	// allOpen puts every case in the measured force and leaves it open.
	allOpen bool
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

func (allowAll) Claim(context.Context, string, string, time.Duration) (int, error) { return 1, nil }

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

// seedBatch is how many cases one Seed call stores.
const seedBatch = 500

// add stores todo more cases, conc batches at a time.
func (s *seeder) add(ctx context.Context, todo int64, conc int) (time.Duration, error) {
	if todo <= 0 {
		return 0, nil
	}
	begin := time.Now()
	var next, done atomic.Int64
	var firstErr atomic.Value
	stopProgress := progress(ctx, &done)
	defer stopProgress()
	var wg sync.WaitGroup
	for range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				end := next.Add(seedBatch)
				n := min(seedBatch, todo-(end-seedBatch))
				if n <= 0 {
					return
				}
				if err := s.store.Seed(ctx, s.batch(int(n))); err != nil {
					firstErr.CompareAndSwap(nil, err)
					return
				}
				done.Add(n)
			}
		}()
	}
	wg.Wait()
	if e, ok := firstErr.Load().(error); ok {
		return time.Since(begin), e
	}
	return time.Since(begin), nil
}

// progressEvery is how often seeding reports its rate, so that a long
// step shows whether the rate holds as the store grows.
const progressEvery = 15 * time.Second

// progress prints, every progressEvery until stopped, how many cases done
// counts and the rate over the last interval.
func progress(ctx context.Context, done *atomic.Int64) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(progressEvery)
		defer t.Stop()
		var last int64
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			n := done.Load()
			fmt.Fprintf(os.Stderr, "loadtest: seeding: %d added, %.0f cases/s over the last %s\n",
				n, float64(n-last)/progressEvery.Seconds(), progressEvery)
			last = n
		}
	}()
	return func() { cancel(); <-finished }
}

// seedOfficer is the user id the seeded closed cases were closed by.
const seedOfficer = "lt-growth-seeder"

// batch returns the seeder's next n cases: even ones in the measured
// force, odd ones in the other; one in ten of each force open, the others
// closed. Each names one handle, as the load test's reports do.
func (s *seeder) batch(n int) []reports.SeedCase {
	out := make([]reports.SeedCase, 0, n)
	now := time.Now()
	for range n {
		i := s.n.Add(1)
		code := s.code
		if i%2 == 1 && !s.allOpen {
			code = otherForce
		}
		r := reports.Report{ForceCode: code, Category: "worried_about_friend",
			WhatHappened: "Seeded report for growth measurement; my friend is being messaged by an adult.",
			Answers:      reports.Answers{AgeBand: "11-13", Handles: []reports.Handle{{Platform: "game", Handle: "player_" + harness.RandomHex(3)}}}}
		c := reports.SeedCase{Report: r, At: now}
		if (i/2)%10 != 0 && !s.allOpen {
			c.Closed, c.ClosedBy, c.Disposition = true, seedOfficer, reports.DispositionAdviceGiven
		}
		out = append(out, c)
	}
	return out
}
