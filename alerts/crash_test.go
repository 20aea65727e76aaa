package alerts

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

func TestCrashBetweenOpenAndPagingIsPagedOnRestart(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.officer("off1", "token-officer-one-000")
	h.officer("off2", "token-officer-two-000")
	h.standardPolicy("off1", "off2", 0)
	crashed := h.dispatcher()
	// The report stored its case and answered 201, then the process died
	// before Start.
	h.open(crashed, "case-k")
	crashed.Stop()

	// The alert is left to its opener for a moment (openHold), then any
	// instance's sweep pages it.
	restarted := h.dispatcher()
	h.sweep(restarted)
	if got := len(h.fcm.Requests()); got != 0 {
		t.Fatalf("got %d pages while the alert was still its opener's, want 0", got)
	}
	h.clock.Advance(restarted.openHold())
	if hold := restarted.openHold(); hold <= 0 || hold > maxOpenHold {
		t.Fatalf("the opener holds a new alert for %v, want at most %v", hold, maxOpenHold)
	}
	h.sweep(restarted)
	if got := delivered(h.fcm.Requests(), "token-officer-one-000"); got != 1 {
		t.Fatalf("got %d pages after restart, want 1", got)
	}
	h.sweep(restarted)
	if got := len(h.fcm.Requests()); got != 1 {
		t.Errorf("got %d requests after a second sweep, want 1", got)
	}
}

func TestAlertWhoseCaseWasNeverStoredIsVoided(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.officer("off1", "token-officer-one-000")
	h.officer("off2", "token-officer-two-000")
	h.standardPolicy("off1", "off2", 0)
	d := h.dispatcher()
	// Open succeeded, then the process died before the case insert: no
	// 201 was sent, so nobody must be paged about a case that is not there.
	if err := d.Open(context.Background(), "case-v", testForce, h.clock.Now()); err != nil {
		t.Fatal(err)
	}
	h.sweep(d)
	h.clock.Advance(2 * time.Minute)
	h.sweep(d)
	if got := len(h.fcm.Requests()); got != 0 {
		t.Errorf("got %d pages for a case that does not exist, want 0", got)
	}
	if a := h.alert(d, "case-v"); a.State != StateVoided {
		t.Errorf("got state %q, want voided", a.State)
	}
	if n, _ := h.db.Collection(colActive).CountDocuments(context.Background(), bson.D{}); n != 0 {
		t.Errorf("got %d active alerts, want 0", n)
	}
	list, err := d.List(h.as("off1"), 50)
	if err != nil || len(list) != 0 {
		t.Errorf("got %d listed alerts (%v), want voided alerts hidden", len(list), err)
	}
}

func TestDeadWorkersAttemptIsRetriedAfterItsLease(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.officer("off1", "token-officer-one-000")
	h.officer("off2", "token-officer-two-000")
	p := h.standardPolicy("off1", "off2", 0)
	dead := h.dispatcher()
	h.open(dead, "case-d")
	ctx := context.Background()
	a := h.alert(dead, "case-d")
	// The dead worker claimed step 0 and the page's first attempt, then
	// died before sending.
	s, _, err := dead.runStep(ctx, a, p, 0, h.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	now := h.clock.Now()
	att := attemptDoc{ID: s.ID + ":" + s.Devices[0].ID + ":0", AlertID: a.ID, Target: s.Devices[0].ID,
		By: "dead", ClaimedAt: now, LeaseUntil: now.Add(30 * time.Second)}
	if _, err := h.db.Collection(colAttempts).InsertOne(ctx, att); err != nil {
		t.Fatal(err)
	}
	dead.Stop()

	d := h.dispatcher()
	h.sweep(d)
	if got := len(h.fcm.Requests()); got != 0 {
		t.Fatalf("got %d pages while the other worker's lease is live, want 0", got)
	}
	h.clock.Advance(30 * time.Second)
	h.sweep(d)
	if got := delivered(h.fcm.Requests(), "token-officer-one-000"); got != 1 {
		t.Errorf("got %d pages after the lease ran out, want 1", got)
	}
}

// A worker that claimed a step holds its first page to each device with
// it, and writes that attempt only with its outcome. When it dies before
// sending, another worker waits out its lease, then pages.
func TestDeadWorkersHeldPageIsSentAfterItsLease(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.officer("off1", "token-officer-one-000")
	h.officer("off2", "token-officer-two-000")
	p := h.standardPolicy("off1", "off2", 0)
	dead := h.dispatcher()
	h.open(dead, "case-h")
	a := h.alert(dead, "case-h")
	if _, claimed, err := dead.runStep(context.Background(), a, p, 0, h.clock.Now()); err != nil || !claimed {
		t.Fatalf("claim step: %v, %v", claimed, err)
	}
	dead.Stop()

	d := h.dispatcher()
	h.sweep(d)
	h.clock.Advance(29 * time.Second)
	h.sweep(d)
	if got := len(h.fcm.Requests()); got != 0 {
		t.Fatalf("got %d pages while the dead worker's lease is live, want 0", got)
	}
	h.clock.Advance(time.Second)
	h.sweep(d)
	if got := delivered(h.fcm.Requests(), "token-officer-one-000"); got != 1 {
		t.Errorf("got %d pages after the lease ran out, want 1", got)
	}
	h.sweep(d)
	if got := len(h.fcm.Requests()); got != 1 {
		t.Errorf("got %d requests after another sweep, want 1", got)
	}
}

func TestTwoDispatchersPageEachDeviceOncePerStep(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.officer("off1", "token-officer-one-000")
	h.officer("off2", "token-officer-two-000")
	h.standardPolicy("off1", "off2", 0)
	d1, d2 := h.dispatcher(), h.dispatcher()
	const alerts = 8
	for i := range alerts {
		id := fmt.Sprintf("case-%d", i)
		h.open(d1, id)
		d1.Start(id)
		d2.Start(id)
	}
	both := func() {
		var wg sync.WaitGroup
		for _, d := range []*Dispatcher{d1, d2} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				h.sweep(d)
				d.Wait()
			}()
		}
		wg.Wait()
	}
	both()
	for range 3 {
		h.clock.Advance(time.Minute)
		both()
	}
	seen := map[string]int{}
	for _, r := range h.fcm.Requests() {
		seen[dataOf(t, r)["alertId"]+" "+r.Token]++
	}
	for i := range alerts {
		for _, tok := range []string{"token-officer-one-000", "token-officer-two-000"} {
			if got := seen[fmt.Sprintf("case-%d %s", i, tok)]; got != 1 {
				t.Errorf("case-%d to %s: got %d pages, want exactly 1", i, tok, got)
			}
		}
	}
	if got := len(h.hooks); got != alerts {
		t.Errorf("got %d webhook calls, want %d (one per alert)", got, alerts)
	}
}

// The first attempt at an urgent report died after Open; the alert was voided
// for want of its case; then the child's app retried with the same key and
// the case got stored after all. The alert must come back and page.
func TestVoidedAlertIsRearmedWhenItsCaseIsStoredLate(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.officer("off1", "token-officer-one-000")
	h.officer("off2", "token-officer-two-000")
	h.standardPolicy("off1", "off2", 0)
	d := h.dispatcher()
	if err := d.Open(context.Background(), "case-late", testForce, h.clock.Now()); err != nil {
		t.Fatal(err)
	}
	h.clock.Advance(3 * time.Minute)
	h.sweep(d)
	if a := h.alert(d, "case-late"); a.State != StateVoided {
		t.Fatalf("before the retry: got state %q, want voided", a.State)
	}
	// The retry: Open again (idempotent), store the case, Start.
	if err := d.Open(context.Background(), "case-late", testForce, h.clock.Now()); err != nil {
		t.Fatal(err)
	}
	h.cases.store("case-late")
	d.Start("case-late")
	h.waitDelivered(1)
	if a := h.alert(d, "case-late"); a.State == StateVoided {
		t.Errorf("after the retry: alert still voided")
	}
	if got := h.fcm.DeliveredTo("token-officer-one-000"); len(got) != 1 {
		t.Errorf("got %d pages to the on-call officer, want 1", len(got))
	}
}
