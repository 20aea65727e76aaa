package alerts

import (
	"context"
	"net/http"
	"testing"
	"time"
)

// A tier whose pages all fail past their retry budget is a gap: the next
// tier starts then, not after the tier's delay.
func TestUndeliverableTierIsAGapAndTheNextTierStartsAtOnce(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.officer("off1", "token-officer-one-000")
	h.officer("off2", "token-officer-two-000")
	h.standardPolicy("off1", "off2", 0)
	d := h.dispatcher()
	h.fcm.FailNext(1000, http.StatusInternalServerError, 0)
	h.open(d, "case-f")
	d.Start("case-f")
	d.Wait()
	elapsed := time.Duration(0)
	for len(pagesTo(h.fcm.Requests(), "token-officer-two-000")) == 0 {
		if elapsed >= 30*time.Second {
			t.Fatalf("tier 2 not tried %v after tier 1 kept failing (tier delay 60 s)", elapsed)
		}
		h.clock.Advance(time.Second)
		elapsed += time.Second
		h.sweep(d)
	}
	if got := len(pagesTo(h.fcm.Requests(), "token-officer-one-000")); got != d.cfg.MaxAttempts {
		t.Errorf("got %d attempts at tier 1, want its budget of %d", got, d.cfg.MaxAttempts)
	}
	if a := h.alert(d, "case-f"); a.Gaps != 1 || a.State != StateOverdue {
		t.Errorf("got gaps %d state %q, want 1 gap recorded and overdue", a.Gaps, a.State)
	}
}

// Without a push configuration nothing is pretended: pages count as not
// delivered and the control room hears of the alert at once.
func TestLogSenderPagesAreNotDeliveredSoTheWebhookFiresAtOnce(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.officer("off1", "token-officer-one-000")
	h.officer("off2", "token-officer-two-000")
	h.standardPolicy("off1", "off2", 0)
	d := NewDispatcher(Deps{DB: h.db, OnCall: h.oncall, Devices: h.devs, Sender: LogSender{Log: h.log}, Cases: h.cases,
		Webhooks: h.hook.Client(), Log: h.log, Now: h.now}, EngineConfig{WebhookSecret: hookSecret})
	t.Cleanup(d.Stop)
	h.open(d, "case-n")
	d.Start("case-n")
	d.Wait()
	if len(h.hooks) != 1 {
		t.Fatalf("got %d webhook calls with no push configuration, want 1 at once", len(h.hooks))
	}
	a := h.alert(d, "case-n")
	if a.PagesSent != 0 || a.Gaps != 2 {
		t.Errorf("got %d pages sent and %d gaps, want 0 sent and both page tiers as gaps", a.PagesSent, a.Gaps)
	}
	if err := d.Sweep(context.Background()); err != nil {
		t.Fatal(err)
	}
}
