package alerts

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"speaksafe/devices"
	"speaksafe/fcmfake"
	"speaksafe/reports"
)

func pagesTo(reqs []fcmfake.Request, token string) []fcmfake.Request {
	var out []fcmfake.Request
	for _, r := range reqs {
		if r.Token == token {
			out = append(out, r)
		}
	}
	return out
}

// openMany opens and starts n alerts whose cases say info, and waits for
// everything they started.
func (h *harness) openMany(d *Dispatcher, n int, info reports.AlertInfo) []string {
	h.t.Helper()
	ids := make([]string, n)
	for i := range n {
		ids[i] = fmt.Sprintf("case-%02d", i)
		if err := d.Open(context.Background(), ids[i], testForce, h.now()); err != nil {
			h.t.Fatalf("Open: %v", err)
		}
		info.Reference = "REF-" + ids[i]
		h.cases.storeWith(ids[i], info)
		d.Start(ids[i])
	}
	d.Wait()
	return ids
}

// Twenty urgent reports from one network: the on-call officer gets one
// digest page per tier step, not twenty; every alert still escalates to
// the control room and is listed with its case's reference.
func TestFloodGroupIsPagedAsOneDigestPerTierStep(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.officer("off1", "token-officer-one-000")
	h.officer("off2", "token-officer-two-000")
	h.standardPolicy("off1", "off2", 0)
	d := h.dispatcher()
	ids := h.openMany(d, 20, reports.AlertInfo{FloodGroup: "f1a2b3", FloodKind: reports.FloodNetwork})

	first := pagesTo(h.fcm.Requests(), "token-officer-one-000")
	if len(first) != 1 {
		t.Fatalf("got %d pages to the on-call officer for 20 flooded reports, want 1 digest", len(first))
	}
	body := string(first[0].Body)
	if !strings.Contains(body, "urgent reports from one network") {
		t.Errorf("digest page does not say what it is: %s", body)
	}
	if data := dataOf(t, first[0]); len(data) != 1 || data["alertId"] == "" {
		t.Errorf("digest data: got %v, want only an alertId", data)
	}
	h.clock.Advance(time.Minute)
	h.sweep(d)
	if got := len(pagesTo(h.fcm.Requests(), "token-officer-two-000")); got != 1 {
		t.Errorf("got %d pages to tier 2, want 1 digest", got)
	}
	h.clock.Advance(time.Minute)
	h.sweep(d)
	if got := len(h.hooks); got != 20 {
		t.Errorf("got %d webhook calls, want 20: every flooded alert reaches the control room", got)
	}
	list, err := d.List(h.as("off1"), 100)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, a := range list {
		if a.Case != nil && a.Case.Reference == "REF-"+a.ID {
			seen[a.ID] = true
		}
	}
	for _, id := range ids {
		if !seen[id] {
			t.Errorf("alert %s is not listed with its case reference", id)
		}
	}
}

// A force's officers get at most PageRatePerForce individual pages a
// minute; the rest are folded into a digest, never dropped.
func TestForcePageRateFoldsTheExcessIntoADigest(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.officer("off1", "token-officer-one-000")
	h.officer("off2", "token-officer-two-000")
	h.standardPolicy("off1", "off2", 0)
	d := h.dispatcher()
	d.cfg.PageRatePerForce = 3
	ids := h.openMany(d, 10, reports.AlertInfo{})
	reqs := pagesTo(h.fcm.Requests(), "token-officer-one-000")
	if len(reqs) != 4 {
		t.Fatalf("got %d pages in one minute, want 3 individual pages and 1 digest", len(reqs))
	}
	digests := 0
	for _, r := range reqs {
		if strings.Contains(string(r.Body), "urgent reports in the last minute") {
			digests++
		}
	}
	if digests != 1 {
		t.Errorf("got %d digest pages, want 1", digests)
	}
	for range 2 {
		h.clock.Advance(time.Minute)
		h.sweep(d)
	}
	if got := len(h.hooks); got != len(ids) {
		t.Errorf("got %d webhook calls, want %d: no alert is dropped", got, len(ids))
	}
}

func TestUnacknowledgedAlertRepagesSupervisorsUntilAcknowledged(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.officer("off1", "token-officer-one-000")
	h.officer("off2", "token-officer-two-000")
	if _, err := h.devs.Register(h.as("sup"), devices.DeviceInput{Token: "token-supervisor-0000", Platform: devices.PlatformIOS}); err != nil {
		t.Fatal(err)
	}
	h.standardPolicy("off1", "off2", 0)
	d := h.dispatcher()
	h.open(d, "case-u")
	d.Start("case-u")
	d.Wait()
	for range 3 {
		h.clock.Advance(time.Minute)
		h.sweep(d)
	}
	if a := h.alert(d, "case-u"); a.State != StateUnacknowledged {
		t.Fatalf("after the policy ran out: got state %q, want unacknowledged", a.State)
	}
	sup := func() int { return len(h.fcm.DeliveredTo("token-supervisor-0000")) }
	if got := sup(); got != 1 {
		t.Fatalf("got %d pages to the supervisor when the policy ran out, want 1", got)
	}
	h.clock.Advance(9 * time.Minute)
	h.sweep(d)
	if got := sup(); got != 1 {
		t.Errorf("got %d supervisor pages before UNACKED_REPAGE passed, want 1", got)
	}
	h.clock.Advance(time.Minute)
	h.sweep(d)
	if got := sup(); got != 2 {
		t.Errorf("got %d supervisor pages after UNACKED_REPAGE, want 2", got)
	}
	if _, err := d.Ack(h.as("sup"), "case-u"); err != nil {
		t.Fatal(err)
	}
	h.clock.Advance(30 * time.Minute)
	h.sweep(d)
	if got := sup(); got != 2 {
		t.Errorf("got %d supervisor pages after the acknowledgement, want still 2", got)
	}
	// Open is not written: an urgent case with no state recorded reads as
	// open (reports.AlertOpen).
	want := []reports.AlertState{reports.AlertOverdue, reports.AlertOverdue,
		reports.AlertUnacknowledged, reports.AlertUnacknowledged, reports.AlertAcknowledged}
	if got := h.cases.alertStates("case-u"); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("case alert states: got %v, want %v", got, want)
	}
}
