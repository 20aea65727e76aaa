package console_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"speaksafe/accounts"
	"speaksafe/apptest"
	"speaksafe/audit"
	"speaksafe/fieldcrypt"
	"speaksafe/ratelimit"
	"speaksafe/reports"
)

// benchOpenCases is issue 16's measure: the console's pages with this many
// open cases in the force.
const benchOpenCases = 1000

// BenchmarkCasePages measures a case's console screens as the console row
// of the loadtest does, in process: a force with benchOpenCases open cases
// seeded through reports.Store.Seed, an audit log of a thousand entries
// about other things, and the measured case with three referrals and
// about fifty audit entries. Each open of the case page and of its
// referrals adds an entry, as in the loadtest.
//
//	go test ./console/ -run '^$' -bench CasePages -benchtime 100x -cpuprofile cpu.out
func BenchmarkCasePages(b *testing.B) {
	app := apptest.New(b)
	force := app.CreateForce(b, "")
	mash := app.CreateAgency(b, "Benchshire MASH", accounts.AgencyChildrensSocialCare, force.ID)
	officer := signIn(b, app, person(b, app, accounts.RoleOfficer, force.ID), "")
	supervisor := signIn(b, app, person(b, app, accounts.RoleSupervisor, force.ID), "")
	seedOpenCases(b, app, force, benchOpenCases)
	ref := strings.Fields(report(b, app, force.Code, true, "he wants to meet me after school"))[0]
	id := find(b, `href="/console/cases/([^"]+)">`+ref, officer.get("/console/cases").Body)
	for range 3 {
		p := officer.post("/console/cases/"+id+"/referrals", "/console/cases/"+id+"/referrals", referralForm(mash.ID, "standard"))
		if p.Status != http.StatusSeeOther {
			b.Fatalf("refer: %d %.300s", p.Status, p.Body)
		}
	}
	recordUnrelated(b, app, 1000)
	for range 40 {
		officer.get("/console/cases/" + id)
	}
	for _, bc := range []struct {
		name string
		who  *browser
		path string
	}{
		{"case/officer", officer, "/console/cases/" + id},
		{"case/supervisor", supervisor, "/console/cases/" + id},
		{"referrals/officer", officer, "/console/cases/" + id + "/referrals"},
		{"history/officer", officer, "/console/cases/" + id + "/history"},
		{"audit/supervisor", supervisor, "/console/cases/" + id + "/audit"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			bc.who.t = b
			for b.Loop() {
				if p := bc.who.get(bc.path); p.Status != http.StatusOK {
					b.Fatalf("%s: %d %.300s", bc.path, p.Status, p.Body)
				}
			}
		})
	}
}

// seedOpenCases stores n open routine cases in force through
// reports.Store.Seed, as the loadtest's console row does.
func seedOpenCases(b *testing.B, app *apptest.App, force accounts.Organisation, n int) {
	b.Helper()
	keys, err := fieldcrypt.Parse(app.Cfg.DataKeys)
	if err != nil {
		b.Fatal(err)
	}
	limiter, err := ratelimit.New(nil, []byte(strings.Repeat("s", 32)), true, time.Now)
	if err != nil {
		b.Fatal(err)
	}
	st, err := reports.NewStore(app.DB, reports.Config{Keys: keys,
		Argon2: reports.Argon2Params{Time: 1, MemoryKiB: 64, Threads: 1, MaxConcurrent: 4},
		Forces: reports.ForcesFunc(func(context.Context, string) (string, error) { return force.ID, nil }),
		Audit:  audit.RecorderFunc(func(context.Context, audit.Entry) error { return nil }), Limiter: limiter,
		Handlers: reports.HandlersFunc(func(context.Context, string, string) (bool, error) { return false, nil })})
	if err != nil {
		b.Fatal(err)
	}
	cases := make([]reports.SeedCase, n)
	for i := range cases {
		cases[i] = reports.SeedCase{Report: reports.Report{ForceCode: force.Code, Category: reports.Category("gifts_or_money"),
			WhatHappened: fmt.Sprintf("seeded case %d", i)}, At: app.Clock.Now().Add(-time.Duration(i) * time.Minute)}
	}
	if err := st.Seed(context.Background(), cases); err != nil {
		b.Fatal(err)
	}
}

// recordUnrelated appends n entries about other cases to the app's audit
// chain, as a second writer with the app's keys.
func recordUnrelated(b *testing.B, app *apptest.App, n int) {
	b.Helper()
	keys, err := audit.ParseKeys(app.Cfg.AuditKeys)
	if err != nil {
		b.Fatal(err)
	}
	l := audit.New(app.DB, nil, app.Clock.Now, audit.WithKeys(keys))
	for i := range n {
		e := audit.Entry{Actor: "bench", Action: "case.opened", ObjectType: "case", ObjectID: fmt.Sprint("other-", i%200)}
		if err := l.Record(context.Background(), e); err != nil {
			b.Fatal(err)
		}
	}
}
