package faults

import (
	"context"
	"net/http"
	"testing"
	"time"

	"speaksafe/fcmfake"
	"speaksafe/internal/harness"
)

// A server killed with SIGKILL in the middle of taking reports loses none
// that it answered 201, pages every urgent one after it is started again
// (the crash may fall between storing and paging), and retries of the
// requests it never answered, with their Idempotency-Keys, store each once.
func TestFaultServerSIGKILLUnderIntakeLoad(t *testing.T) {
	needFaults(t)
	s := newStack(t)
	srv := s.servers[0]
	c := s.client(srv)
	l := startLoad(func(int) *harness.Client { return c }, s.force.Code, 8)
	l.waitFor(t, "40 reports stored", func(created, _ int) bool { return created >= 40 })
	srv.Kill()
	subs := l.halt()
	created, failed := l.counts()
	t.Logf("killed with %d reports answered 201 and %d unanswered", created, failed)

	again := s.startServer()
	c = s.client(again)
	retryFailed(t, c, subs)
	byRef := s.checkStored(c, subs)
	s.checkPaged(byRef, subs, false)
	s.servesAgain(again)
}

// The store stopped (killed) and started again while reports come in: the
// server stays alive, says it is not ready and refuses reports with 503
// while the store is away, comes back by itself, and nothing answered 201
// is lost or unpaged; the refused ones succeed when the app retries.
func TestFaultStoreStoppedAndStartedUnderLoad(t *testing.T) {
	needFaults(t)
	s := newStack(t)
	srv := s.servers[0]
	c := s.client(srv)
	l := startLoad(func(int) *harness.Client { return c }, s.force.Code, 6)
	l.waitFor(t, "30 reports stored", func(created, _ int) bool { return created >= 30 })
	s.store.Kill()
	_, failedAtStop := l.counts()
	l.waitFor(t, "20 refusals while the store is down", func(_, failed int) bool { return failed >= failedAtStop+20 })
	ready, err := c.Do(context.Background(), harness.Request{Method: http.MethodGet, Path: "/readyz"})
	if err != nil || ready.Status != http.StatusServiceUnavailable {
		t.Errorf("readyz while the store is down: %v %d, want 503", err, ready.Status)
	}
	s.startStore(s.store.Addr)
	if err := srv.WaitReady(context.Background(), bound); err != nil {
		t.Fatal(err)
	}
	createdAtRestart, _ := l.counts()
	l.waitFor(t, "30 more reports stored after the store returned", func(created, _ int) bool { return created >= createdAtRestart+30 })
	subs := l.halt()

	statuses := map[int]int{}
	for _, sub := range subs {
		if sub.status != http.StatusCreated {
			statuses[sub.status]++
		}
	}
	t.Logf("answers other than 201 while the store was away: %v", statuses)
	for status, n := range statuses {
		if status != http.StatusServiceUnavailable {
			t.Errorf("%d reports answered %d while the store was away; want 503 (the app retries those)", n, status)
		}
	}
	retryFailed(t, c, subs)
	byRef := s.checkStored(c, subs)
	s.checkPaged(byRef, subs, false)
	s.servesAgain(srv)
}

// FCM answering 503 for a while: reports are still taken, and once FCM
// recovers every urgent one is paged, each exactly once.
func TestFaultFCMFailingThenRecovering(t *testing.T) {
	needFaults(t)
	s := newStack(t)
	srv := s.servers[0]
	c := s.client(srv)
	s.fcm.SetUnavailable(true)
	l := startLoad(func(int) *harness.Client { return c }, s.force.Code, 4)
	l.waitFor(t, "30 reports stored", func(created, _ int) bool { return created >= 30 })
	subs := l.halt()
	// Wait until the dispatcher has really met the outage for some alert,
	// then keep FCM down for 30 s as the alerts issue asks.
	if err := s.waitFCM(func(rs []fcmfake.Request) bool {
		for _, r := range rs {
			if r.Status == http.StatusServiceUnavailable {
				return true
			}
		}
		return false
	}); err != nil {
		t.Fatalf("no page attempt reached FCM during the outage: %v", err)
	}
	outage := time.NewTimer(30 * time.Second) // the fault's length, not synchronisation
	<-outage.C
	for _, r := range s.fcm.Requests() {
		if r.Delivered() {
			t.Fatalf("a page was delivered while FCM was down")
		}
	}
	s.fcm.SetUnavailable(false)
	byRef := s.checkStored(c, subs)
	s.checkPaged(byRef, subs, true)
	s.servesAgain(srv)
}

// Two servers on one database, both taking reports and both running the
// dispatcher and sweepers: every report is stored once and every urgent
// one pages the officer's phone exactly once.
func TestFaultTwoServersOneDatabase(t *testing.T) {
	needFaults(t)
	s := newStack(t)
	second := s.startServer()
	clients := []*harness.Client{s.client(s.servers[0]), s.client(second)}
	l := startLoad(func(i int) *harness.Client { return clients[i%2] }, s.force.Code, 8)
	l.waitFor(t, "60 reports stored", func(created, _ int) bool { return created >= 60 })
	subs := l.halt()
	for i, c := range clients {
		byRef := s.checkStored(c, subs)
		if i == 0 {
			s.checkPaged(byRef, subs, true)
		}
	}
	s.servesAgain(second)
	s.servesAgain(s.servers[0])
}
