package alerts

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"speaksafe/reports"
)

// Reports give the flood marking when the alert opens: the engine groups
// the pages by it without reading the case (whose information here says
// nothing of a flood).
func TestFloodMarkingGivenAtOpenGroupsThePages(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.officer("off1", "token-officer-one-000")
	h.officer("off2", "token-officer-two-000")
	h.standardPolicy("off1", "off2", 0)
	d := h.dispatcher()
	fl := reports.AlertFlood{Group: "g-open-1", Kind: reports.FloodNetwork}
	for i := range 6 {
		id := fmt.Sprintf("case-%02d", i)
		if err := d.OpenUrgent(context.Background(), id, testForce, h.now(), fl); err != nil {
			t.Fatal(err)
		}
		h.cases.store(id)
		d.Start(id)
	}
	d.Wait()
	pages := pagesTo(h.fcm.Requests(), "token-officer-one-000")
	if len(pages) != 1 {
		t.Fatalf("got %d pages for 6 reports of one flood group, want 1 digest", len(pages))
	}
	if a := h.alert(d, "case-03"); a.Flood == nil || a.Flood.Group != fl.Group {
		t.Errorf("stored flood marking: got %+v, want group %q", a.Flood, fl.Group)
	}
}

// The instance that opened an alert starts it at once, from what it
// inserted, while another instance sweeps the same alerts: the on-call
// officer's phone gets exactly one page per alert, and each alert's first
// step is stored.
func TestFreshAlertsPagedOnceWhileAnotherInstanceSweeps(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.officer("off1", "token-officer-one-000")
	h.officer("off2", "token-officer-two-000")
	h.standardPolicy("off1", "off2", 0)
	opener, sweeper := h.dispatcher(), h.dispatcher()
	const n = 12
	ids := make([]string, n)
	for i := range n {
		ids[i] = fmt.Sprintf("race-%02d", i)
		if err := opener.OpenUrgent(context.Background(), ids[i], testForce, h.now(), reports.AlertFlood{}); err != nil {
			t.Fatal(err)
		}
		h.cases.store(ids[i])
	}
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		for _, id := range ids {
			opener.Start(id)
		}
		opener.Wait()
	}()
	go func() {
		defer wg.Done()
		h.sweep(sweeper)
	}()
	wg.Wait()
	h.sweep(sweeper) // whatever the first sweep found in flight
	opener.Wait()
	perAlert := map[string]int{}
	for _, r := range h.fcm.Requests() {
		if r.Token == "token-officer-one-000" && r.Delivered() {
			perAlert[dataOf(t, r)["alertId"]]++
		}
	}
	for _, id := range ids {
		if perAlert[id] != 1 {
			t.Errorf("alert %s: %d pages to the on-call officer, want exactly 1", id, perAlert[id])
		}
		// The alert's counters are for display: two instances writing one
		// alert at once may lose one on the embedded store. Its step and
		// attempt claims are the truth.
		if _, ok, err := sweeper.loadStep(context.Background(), id, 0); err != nil || !ok {
			t.Errorf("alert %s: step 0 not stored (%v)", id, err)
		}
	}
	if got := len(pagesTo(h.fcm.Requests(), "token-officer-two-000")); got != 0 {
		t.Errorf("tier 2 paged %d times before its delay", got)
	}
}
