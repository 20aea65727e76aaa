package alerts

import (
	"context"
	"testing"
	"time"
)

// The pass a first page kicks when it ends does not read the alert or look
// for an acknowledgement (keepPaging). An officer who acknowledges through
// another instance while that page is still out stops the escalation all
// the same: nobody else is paged, no webhook is called, and the alert reads
// acknowledged on both instances.
func TestAnAckElsewhereWhileTheFirstPageIsOutStopsTheEscalation(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.officer("off1", "token-officer-one-000")
	h.officer("off2", "token-officer-two-000")
	h.standardPolicy("off1", "off2", 2)
	opener, other := h.dispatcher(), h.dispatcher()
	h.fcm.Hold(true)
	h.open(opener, "case-p")
	opener.Start("case-p")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := h.fcm.WaitInFlight(ctx, 1); err != nil {
		t.Fatalf("first page not sent: %v", err)
	}
	if _, err := other.Ack(h.as("off1"), "case-p"); err != nil {
		t.Fatalf("Ack through the other instance: %v", err)
	}
	h.fcm.Hold(false)
	h.waitDelivered(1)
	opener.Wait()
	for range 10 {
		h.clock.Advance(time.Minute)
		h.sweep(opener)
		h.sweep(other)
	}
	if got := len(h.fcm.Requests()); got != 1 {
		t.Errorf("got %d pages, want only the first", got)
	}
	if len(h.hooks) != 0 {
		t.Errorf("got %d webhook calls after the acknowledgement, want 0", len(h.hooks))
	}
	for _, d := range []*Dispatcher{opener, other} {
		if a := h.alert(d, "case-p"); a.State != StateAcknowledged || a.AckBy != "off1" {
			t.Errorf("alert reads %q by %q, want acknowledged by off1", a.State, a.AckBy)
		}
	}
}

// Without an acknowledgement the escalation after a first page keeps its
// time: the kept alert's pass records the step's due time, and the next
// tier is paged once it passes, not before.
func TestTheNextTierIsPagedOnTimeAfterTheFirstPage(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.officer("off1", "token-officer-one-000")
	h.officer("off2", "token-officer-two-000")
	h.standardPolicy("off1", "off2", 2)
	d := h.dispatcher()
	h.open(d, "case-q")
	d.Start("case-q")
	h.waitDelivered(1)
	d.Wait()
	var act activeDoc
	if err := h.db.Collection(colActive).FindOne(context.Background(), map[string]string{"_id": "case-q"}).Decode(&act); err != nil {
		t.Fatal(err)
	}
	if want := h.clock.Now().Add(time.Minute); !act.DueAt.Equal(want) { // the first tier's 60 s
		t.Errorf("due at %v after the first page, want the step's end %v", act.DueAt, want)
	}
	h.clock.Advance(time.Minute - time.Second)
	h.sweep(d)
	if got := len(h.fcm.Requests()); got != 1 {
		t.Fatalf("got %d pages before the step's end, want 1", got)
	}
	h.clock.Advance(time.Second)
	h.sweep(d)
	if got := delivered(h.fcm.Requests(), "token-officer-two-000"); got != 1 {
		t.Errorf("got %d pages to the next tier at the step's end, want 1", got)
	}
}
