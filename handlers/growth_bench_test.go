package handlers_test

import (
	"context"
	"fmt"
	"io"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"speaksafe/accounts"
	"speaksafe/apptest"
	"speaksafe/audit"
	"speaksafe/dbtest"
	"speaksafe/fieldcrypt"
	"speaksafe/reports"
)

// BenchmarkGrowth measures three reads of issue 14's growth goal through
// the app on the embedded store, with 1 000 and 10 000 stored cases in the
// growth run's shape (half in the measured force, one in ten open): a
// reporter opening a session with reference and receipt, the officer
// queue's first page, and an officer's case view. Each reports its p50;
// the goal is that the p50 at the larger size stays within 1.5× of the
// smaller (the load test's growth row checks it up to 100 000).
//
//	go test ./handlers/ -run '^$' -bench Growth -benchtime 20x -count 1
//	go test ./handlers/ -run '^$' -bench 'Growth/cases=10000/case' -benchtime 20x -cpuprofile /tmp/cpu.out
func BenchmarkGrowth(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprintf("cases=%d", n), func(b *testing.B) {
			g := newGrowthApp(b, n)
			b.Run("session", g.sessions)
			b.Run("queue", g.queue)
			b.Run("case", g.caseView)
		})
	}
}

// growthApp is an app seeded for BenchmarkGrowth.
type growthApp struct {
	app      *apptest.App
	officer  apptest.StaffUser
	receipts []reportAnswer
	caseIDs  []string
	client   int
}

// growthOtherForce holds the half of the seeded cases that is not the
// measured force's.
const growthOtherForce = "growth-other"

func newGrowthApp(b *testing.B, n int) *growthApp {
	b.Helper()
	app := apptest.New(b, apptest.WithoutWorkers(), apptest.WithConfig(trustTestProxy))
	force := app.CreateForce(b, "")
	g := &growthApp{app: app, officer: app.Staff(b, accounts.RoleOfficer, force.ID)}
	seedGrowth(b, app, force, n)
	for i := range 8 {
		var ans reportAnswer
		res := postReport(b, app, freshKey(), routineReport(force.Code, fmt.Sprintf("growth report %d", i)), nil)
		if res.Status != 201 {
			b.Fatalf("report: got %d %s", res.Status, res.Body)
		}
		res.Decode(b, &ans)
		g.receipts = append(g.receipts, ans)
	}
	var page struct {
		Items []struct{ ID string } `json:"items"`
	}
	app.Get(b, "/v1/cases?limit=25", g.officer.Token).Decode(b, &page)
	for _, c := range page.Items {
		g.caseIDs = append(g.caseIDs, c.ID)
	}
	if len(g.caseIDs) == 0 {
		b.Fatal("the queue's first page is empty")
	}
	// One of each read creates the collections it writes; the server
	// indexes every collection's _id after its set-up, and the seeding and
	// these reads created some after this app's.
	g.send(b, "POST", "/v1/reports/session", "", fmt.Sprintf(`{"reference":%q,"receipt":%q}`, g.receipts[0].Reference, g.receipts[0].Receipt), 201)
	g.send(b, "GET", "/v1/cases/"+g.caseIDs[0], g.officer.Token, "", 200)
	dbtest.IndexIDPaths(b)
	return g
}

// seedGrowth stores n cases through reports.Store.Seed, as the load test's
// growth run does: even ones in force, odd ones in another force, one in
// ten of each open.
func seedGrowth(b *testing.B, app *apptest.App, force accounts.Organisation, n int) {
	b.Helper()
	keys, err := fieldcrypt.Parse(app.Cfg.DataKeys)
	if err != nil {
		b.Fatal(err)
	}
	st, err := reports.NewStore(app.DB, reports.Config{
		Keys:   keys,
		Argon2: reports.Argon2Params{Time: 1, MemoryKiB: 64, Threads: 1, MaxConcurrent: 4},
		Forces: reports.ForcesFunc(func(_ context.Context, code string) (string, error) {
			if code == force.Code {
				return force.ID, nil
			}
			return growthOtherForce, nil
		}),
		Audit:    audit.RecorderFunc(func(context.Context, audit.Entry) error { return nil }),
		Limiter:  allowAll{},
		Handlers: reports.HandlersFunc(func(context.Context, string, string) (bool, error) { return true, nil }),
	})
	if err != nil {
		b.Fatal(err)
	}
	for done := 0; done < n; {
		batch := make([]reports.SeedCase, 0, 500)
		for ; done < n && len(batch) < 500; done++ {
			code := force.Code
			if done%2 == 1 {
				code = growthOtherForce
			}
			r := reports.Report{ForceCode: code, Category: "worried_about_friend",
				WhatHappened: "Seeded report; my friend is being messaged by an adult.",
				Answers: reports.Answers{AgeBand: "11-13",
					Handles: []reports.Handle{{Platform: "game", Handle: fmt.Sprintf("player_%06x", done)}}}}
			c := reports.SeedCase{Report: r, At: time.Now()}
			if (done/2)%10 != 0 {
				c.Closed, c.ClosedBy, c.Disposition = true, "growth-seeder", reports.DispositionAdviceGiven
			}
			batch = append(batch, c)
		}
		if err := st.Seed(context.Background(), batch); err != nil {
			b.Fatal(err)
		}
	}
}

// measure runs do once untimed (to warm the instance's copies), then once
// per iteration, and reports the p50 of the iterations.
func (g *growthApp) measure(b *testing.B, do func(b *testing.B)) {
	do(b)
	var lat []time.Duration
	for b.Loop() {
		start := time.Now()
		do(b)
		lat = append(lat, time.Since(start))
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
}

// send sends one request straight to the app (without the contract check,
// which would be most of the time measured) and checks its status.
func (g *growthApp) send(b *testing.B, method, path, token, body string, want int) {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	g.client++
	req.Header.Set("X-Forwarded-For", fmt.Sprintf("10.9.%d.%d", g.client>>8&255, g.client&255))
	res, err := g.app.Fiber.Test(req, -1)
	if err != nil {
		b.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != want {
		out, _ := io.ReadAll(res.Body)
		b.Fatalf("%s %s: got %d %s, want %d", method, path, res.StatusCode, out, want)
	}
	_, _ = io.Copy(io.Discard, res.Body)
}

func (g *growthApp) sessions(b *testing.B) {
	i := 0
	g.measure(b, func(b *testing.B) {
		a := g.receipts[i%len(g.receipts)]
		i++
		g.send(b, "POST", "/v1/reports/session", "",
			fmt.Sprintf(`{"reference":%q,"receipt":%q}`, a.Reference, a.Receipt), 201)
	})
}

func (g *growthApp) queue(b *testing.B) {
	g.measure(b, func(b *testing.B) {
		g.send(b, "GET", "/v1/cases?limit=25", g.officer.Token, "", 200)
	})
}

// caseView measures an officer reading cases read before (as in the load
// test's row, which reads the queue's first page over and over): the first
// read of each, which records it, is left out.
func (g *growthApp) caseView(b *testing.B) {
	for _, id := range g.caseIDs {
		g.send(b, "GET", "/v1/cases/"+id, g.officer.Token, "", 200)
	}
	i := 0
	g.measure(b, func(b *testing.B) {
		id := g.caseIDs[i%len(g.caseIDs)]
		i++
		g.send(b, "GET", "/v1/cases/"+id, g.officer.Token, "", 200)
	})
}
