package alerts

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"speaksafe/accounts"
	"speaksafe/devices"
)

func TestUrgentAlertPagesOnCallDeviceWithoutContent(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.officer("off1", "token-officer-one-000")
	h.officer("off2", "token-officer-two-000")
	h.standardPolicy("off1", "off2", 0)
	d := h.dispatcher()

	h.open(d, "case-a")
	d.Start("case-a")
	h.waitDelivered(1)
	d.Wait()

	reqs := h.fcm.Requests()
	if len(reqs) != 1 || reqs[0].Token != "token-officer-one-000" {
		t.Fatalf("got %d requests (first to %q), want 1 to the on-call officer", len(reqs), reqs[0].Token)
	}
	if data := dataOf(t, reqs[0]); len(data) != 1 || data["alertId"] != "case-a" {
		t.Errorf("got data %v, want only alertId=case-a", data)
	}
	body := string(reqs[0].Body)
	for _, word := range []string{"report", "danger", "off1", "force-1"} {
		if strings.Contains(strings.ToLower(body), word) {
			t.Errorf("push body contains %q: %s", word, body)
		}
	}
	a := h.alert(d, "case-a")
	if a.PagesSent != 1 || a.FirstPageAt == nil || a.State != StateOpen || a.Step != 0 {
		t.Errorf("got alert %+v, want open at step 0, 1 page sent", a)
	}
}

func TestAckStopsEscalation(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.officer("off1", "token-officer-one-000")
	h.officer("off2", "token-officer-two-000")
	h.standardPolicy("off1", "off2", 2)
	d := h.dispatcher()
	h.open(d, "case-b")
	d.Start("case-b")
	h.waitDelivered(1)
	d.Wait()

	h.clock.Advance(10 * time.Second)
	a, err := d.Ack(h.as("off1"), "case-b")
	if err != nil {
		t.Fatalf("Ack: %v", err)
	}
	if a.State != StateAcknowledged || a.AckBy != "off1" {
		t.Errorf("got state %q by %q, want acknowledged by off1", a.State, a.AckBy)
	}
	if got := h.cases.acked["case-b"]; got != "off1" {
		t.Errorf("got case acknowledged by %q, want off1", got)
	}
	for range 10 {
		h.clock.Advance(time.Minute)
		h.sweep(d)
	}
	if got := len(h.fcm.Requests()); got != 1 {
		t.Errorf("got %d pages after ack, want only the first", got)
	}
	if len(h.hooks) != 0 {
		t.Errorf("got %d webhook calls after ack, want 0", len(h.hooks))
	}
	// A second ack (another officer) changes nothing.
	if a, err := d.Ack(h.as("off2"), "case-b"); err != nil || a.AckBy != "off1" {
		t.Errorf("second ack: got %q, %v; want still off1", a.AckBy, err)
	}
}

func TestNoAckEscalatesToNextTierThenWebhook(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.officer("off1", "token-officer-one-000")
	h.officer("off2", "token-officer-two-000")
	h.standardPolicy("off1", "off2", 0)
	d := h.dispatcher()
	h.open(d, "case-c")
	d.Start("case-c")
	h.waitDelivered(1)
	d.Wait()

	h.clock.Advance(59 * time.Second)
	h.sweep(d)
	if got := delivered(h.fcm.Requests(), "token-officer-two-000"); got != 0 {
		t.Fatalf("tier 2 paged before the delay: got %d", got)
	}
	h.clock.Advance(time.Second)
	h.sweep(d)
	if got := delivered(h.fcm.Requests(), "token-officer-two-000"); got != 1 {
		t.Fatalf("got %d pages to tier 2 after the delay, want 1", got)
	}
	if len(h.hooks) != 0 {
		t.Fatalf("webhook called before its tier")
	}
	h.clock.Advance(time.Minute)
	h.sweep(d)
	if len(h.hooks) != 1 {
		t.Fatalf("got %d webhook calls, want 1", len(h.hooks))
	}
	hr := <-h.hooks
	if !VerifySignature(hookSecret, hr.Timestamp, hr.Signature, hr.Body) {
		t.Errorf("webhook signature does not verify")
	}
	if VerifySignature("wrong-secret-wrong-secret-wrong-secret", hr.Timestamp, hr.Signature, hr.Body) {
		t.Errorf("webhook signature verifies with the wrong secret")
	}
	var ev map[string]any
	if err := json.Unmarshal(hr.Body, &ev); err != nil {
		t.Fatal(err)
	}
	if ev["alertId"] != "case-c" || ev["tier"] != float64(2) {
		t.Errorf("got webhook event %v", ev)
	}
	for k := range ev {
		switch k {
		case "event", "alertId", "forceId", "openedAt", "step", "tier", "round", "sentAt":
		default:
			t.Errorf("webhook carries unexpected field %q", k)
		}
	}
	h.clock.Advance(time.Minute)
	h.sweep(d)
	if a := h.alert(d, "case-c"); a.State != StateUnacknowledged || a.Step != 2 {
		t.Errorf("got state %q step %d, want unacknowledged after step 2", a.State, a.Step)
	}
	if got := len(h.fcm.Requests()); got != 2 {
		t.Errorf("got %d pages in all, want 2", got)
	}
}

func TestPolicyRepeats(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.officer("off1", "token-officer-one-000")
	h.officer("off2", "token-officer-two-000")
	h.standardPolicy("off1", "off2", 1)
	d := h.dispatcher()
	h.open(d, "case-r")
	d.Start("case-r")
	h.waitDelivered(1)
	d.Wait()
	for range 7 {
		h.clock.Advance(time.Minute)
		h.sweep(d)
	}
	reqs := h.fcm.Requests()
	if a, b := delivered(reqs, "token-officer-one-000"), delivered(reqs, "token-officer-two-000"); a != 2 || b != 2 {
		t.Errorf("got %d and %d pages over two rounds, want 2 and 2", a, b)
	}
	if len(h.hooks) != 2 {
		t.Errorf("got %d webhook calls over two rounds, want 2", len(h.hooks))
	}
}

func TestTierWithNobodyOnCallIsSkippedAtOnce(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.officer("off1", "token-officer-one-000")
	h.officer("off2", "token-officer-two-000")
	h.standardPolicy("off1", "off2", 0)
	h.users.Update("off1", func(u *accounts.User) { u.Disabled = true })
	d := h.dispatcher()
	h.open(d, "case-g")
	d.Start("case-g")
	h.waitDelivered(1)
	d.Wait()
	if got := delivered(h.fcm.Requests(), "token-officer-two-000"); got != 1 {
		t.Fatalf("got %d pages to tier 2, want 1 at once", got)
	}
	if got := len(h.fcm.Requests()); got != 1 {
		t.Errorf("got %d requests, want 1 (the disabled officer is not paged)", got)
	}
	if a := h.alert(d, "case-g"); a.Gaps != 1 || a.Tier != 1 {
		t.Errorf("got gaps %d tier %d, want 1 gap recorded and tier 1", a.Gaps, a.Tier)
	}
}

func TestFCMUnavailableThenRecoveredDeliversEveryPage(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.officer("off1", "token-officer-one-000")
	h.officer("off2", "token-officer-two-000")
	h.standardPolicy("off1", "off2", 0)
	d := h.dispatcher()
	// FCM down: 503 with a Retry-After beyond the SDK's own retry cap, so
	// the engine's back-off is what waits.
	h.fcm.FailNext(1000, http.StatusServiceUnavailable, 150*time.Second)
	for _, id := range []string{"case-u1", "case-u2", "case-u3"} {
		h.open(d, id)
		d.Start(id)
	}
	d.Wait()
	if got := len(h.fcm.Requests()); got != 3 {
		t.Fatalf("got %d requests while down, want 3", got)
	}
	tier1 := func() int {
		n := 0
		for _, r := range h.fcm.Requests() {
			if r.Token == "token-officer-one-000" {
				n++
			}
		}
		return n
	}
	// Escalation goes on meanwhile (tier 2 is tried at +60 s) while tier
	// 1's pages wait for Retry-After.
	h.clock.Advance(100 * time.Second)
	h.sweep(d)
	if got := tier1(); got != 3 {
		t.Errorf("got %d requests to tier 1 before Retry-After passed, want 3", got)
	}
	h.clock.Advance(51 * time.Second)
	h.sweep(d)
	if got := tier1(); got != 6 {
		t.Errorf("got %d requests to tier 1 after the first retry, want 6", got)
	}
	h.fcm.FailNext(0, 0, 0)
	h.clock.Advance(151 * time.Second)
	h.sweep(d)
	for _, id := range []string{"case-u1", "case-u2", "case-u3"} {
		n := 0
		for _, r := range h.fcm.Requests() {
			if r.Delivered() && dataOf(t, r)["alertId"] == id && r.Token == "token-officer-one-000" {
				n++
			}
		}
		if n != 1 {
			t.Errorf("alert %s: got %d delivered pages to tier 1, want 1", id, n)
		}
	}
	if got := delivered(h.fcm.Requests(), "token-officer-two-000"); got != 3 {
		t.Errorf("got %d delivered pages to tier 2, want 3", got)
	}
}

func TestFCMBriefOutageRetriedBySDK(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.officer("off1", "token-officer-one-000")
	h.officer("off2", "token-officer-two-000")
	h.standardPolicy("off1", "off2", 0)
	d := h.dispatcher()
	h.fcm.FailNext(1, http.StatusServiceUnavailable, 0)
	h.open(d, "case-s")
	d.Start("case-s")
	h.waitDelivered(1)
	d.Wait()
	if got := len(h.fcm.Requests()); got != 2 {
		t.Errorf("got %d requests, want 2 (one 503, one accepted)", got)
	}
}

func TestQuotaExceededHonoursRetryAfter(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.officer("off1", "token-officer-one-000")
	h.officer("off2", "token-officer-two-000")
	h.standardPolicy("off1", "off2", 0)
	d := h.dispatcher()
	h.fcm.FailNext(1, http.StatusTooManyRequests, 30*time.Second)
	h.open(d, "case-q")
	d.Start("case-q")
	d.Wait()
	h.clock.Advance(29 * time.Second)
	h.sweep(d)
	if got := len(h.fcm.Requests()); got != 1 {
		t.Fatalf("got %d requests before Retry-After, want 1", got)
	}
	h.clock.Advance(time.Second)
	h.sweep(d)
	if got := delivered(h.fcm.Requests(), "token-officer-one-000"); got != 1 {
		t.Errorf("got %d delivered after Retry-After, want 1", got)
	}
}

func TestUnregisteredTokenIsRemoved(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.officer("off1", "token-officer-one-000")
	if _, err := h.devs.Register(h.as("off1"), devices.DeviceInput{Token: "token-officer-one-old", Platform: devices.PlatformIOS}); err != nil {
		t.Fatal(err)
	}
	h.officer("off2", "token-officer-two-000")
	h.standardPolicy("off1", "off2", 0)
	h.fcm.Unregister("token-officer-one-old")
	d := h.dispatcher()
	h.open(d, "case-x")
	d.Start("case-x")
	d.Wait()
	devs, err := h.devs.ForUser(context.Background(), "off1")
	if err != nil {
		t.Fatal(err)
	}
	if len(devs) != 1 || devs[0].Token != "token-officer-one-000" {
		t.Errorf("got %d devices, want only the live one", len(devs))
	}
	if got := delivered(h.fcm.Requests(), "token-officer-one-000"); got != 1 {
		t.Errorf("got %d pages to the live device, want 1", got)
	}
}

func TestLoggedOutEverywhereIsNotPaged(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.officer("off1", "token-officer-one-000")
	h.officer("off2", "token-officer-two-000")
	h.standardPolicy("off1", "off2", 0)
	h.users.Update("off1", func(u *accounts.User) { u.TokenVersion++ })
	d := h.dispatcher()
	h.open(d, "case-l")
	d.Start("case-l")
	d.Wait()
	if got := len(h.fcm.DeliveredTo("token-officer-one-000")); got != 0 {
		t.Errorf("got %d pages to a logged-out officer, want 0", got)
	}
	if devs, _ := h.devs.ForUser(context.Background(), "off1"); len(devs) != 0 {
		t.Errorf("got %d devices for a logged-out officer, want 0", len(devs))
	}
}
