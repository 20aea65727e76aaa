package alerts

import (
	"context"
	"sync"
	"testing"
	"time"

	"speaksafe/audit"
	"speaksafe/devices"
	"speaksafe/reports"
)

// count returns how many entries of action on objectID were recorded.
type fakeAudit struct {
	mu      sync.Mutex
	entries []audit.Entry
}

func (f *fakeAudit) Record(_ context.Context, e audit.Entry) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.entries = append(f.entries, e)
	return nil
}

func (f *fakeAudit) find(action, objectID string) (audit.Entry, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, e := range f.entries {
		if e.Action == action && e.ObjectID == objectID {
			return e, true
		}
	}
	return audit.Entry{}, false
}

func (f *fakeAudit) count(action, objectID string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, e := range f.entries {
		if e.Action == action && e.ObjectID == objectID {
			n++
		}
	}
	return n
}

// unackedAlert opens alert id, lets its policy run out and checks that the
// supervisor got the first re-page; it returns the count of supervisor pages.
func unackedAlert(t *testing.T, h *harness, d *Dispatcher, id string) func() int {
	t.Helper()
	h.open(d, id)
	d.Start(id)
	d.Wait()
	for range 3 {
		h.clock.Advance(time.Minute)
		h.sweep(d)
	}
	if a := h.alert(d, id); a.State != StateUnacknowledged {
		t.Fatalf("after the policy ran out: got state %q, want unacknowledged", a.State)
	}
	sup := func() int { return len(h.fcm.DeliveredTo("token-supervisor-0000")) }
	if got := sup(); got != 1 {
		t.Fatalf("got %d supervisor pages when the policy ran out, want 1", got)
	}
	return sup
}

func repageHarness(t *testing.T) (*harness, *Dispatcher, *fakeAudit) {
	h := newHarness(t)
	h.officer("off1", "token-officer-one-000")
	h.officer("off2", "token-officer-two-000")
	if _, err := h.devs.Register(h.as("sup"), devices.DeviceInput{Token: "token-supervisor-0000", Platform: devices.PlatformIOS}); err != nil {
		t.Fatal(err)
	}
	h.standardPolicy("off1", "off2", 0)
	d := h.dispatcher()
	au := &fakeAudit{}
	d.audit = au
	return h, d, au
}

func TestUnacknowledgedAlertStopsRepagingWhenItsCaseIsClosedOrDeleted(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, reason string
		end          func(h *harness, id string)
	}{
		{"closed", endCaseClosed, func(h *harness, id string) { h.cases.storeWith(id, reports.AlertInfo{Closed: true}) }},
		{"deleted", endCaseDeleted, func(h *harness, id string) {
			h.cases.mu.Lock()
			defer h.cases.mu.Unlock()
			delete(h.cases.exists, id)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h, d, au := repageHarness(t)
			sup := unackedAlert(t, h, d, "case-e")
			tc.end(h, "case-e")
			for range 3 {
				h.clock.Advance(10 * time.Minute)
				h.sweep(d)
			}
			if got := sup(); got != 1 {
				t.Errorf("got %d supervisor pages after the case was %s, want still 1", got, tc.name)
			}
			if a := h.alert(d, "case-e"); a.State != StateEnded || a.EndedAt == nil {
				t.Errorf("alert after its case was %s: state %q, endedAt %v; want ended with a time", tc.name, a.State, a.EndedAt)
			}
			e, _ := au.find("alert.ended", "case-e")
			if n := au.count("alert.ended", "case-e"); n != 1 || e.Actor != "system" || e.Detail["reason"] != tc.reason {
				t.Errorf("audit of the end: got %d entries, first %+v; want one alert.ended by system with reason %s", n, e, tc.reason)
			}
			// A restarted engine has nothing left to do for it.
			h.clock.Advance(time.Hour)
			h.sweep(h.dispatcher())
			if got := sup(); got != 1 {
				t.Errorf("got %d supervisor pages after a restart, want still 1", got)
			}
		})
	}
}

func TestUnacknowledgedAlertOfAnOpenCaseKeepsRepaging(t *testing.T) {
	t.Parallel()
	h, d, _ := repageHarness(t)
	sup := unackedAlert(t, h, d, "case-o")
	for range 3 {
		h.clock.Advance(10 * time.Minute)
		h.sweep(d)
	}
	if got := sup(); got != 4 {
		t.Errorf("got %d supervisor pages after 30 more minutes of an open case, want 4", got)
	}
}
