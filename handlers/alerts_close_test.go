package handlers_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"speaksafe/apptest"
	"speaksafe/fcmfake"
)

// Closing an urgent case whose alert nobody acknowledged takes the alert:
// the supervisors' re-pages stop and the alert shows who took it.
func TestClosingAnUrgentCaseStopsItsUnacknowledgedAlert(t *testing.T) {
	t.Parallel()
	fake := fcmfake.New()
	t.Cleanup(fake.Close)
	off := func(w *apptest.World) string { return w.Staff["forceA/officer"].ID }
	app, w, clock := escalationApp(t, fake, off, off)
	const supToken = "fcm-token-of-the-supervisor-0002"
	if res := app.Post(t, "/v1/me/devices", w.Staff["forceA/supervisor"].Token, map[string]string{"token": supToken, "platform": "ios"}); res.Status != http.StatusOK {
		t.Fatalf("register device: got %d; %s", res.Status, res.Body)
	}
	id := urgentAlert(t, app, w)
	engine, officer := app.AlertEngine(), w.Staff["forceA/officer"]
	sweep := func(d time.Duration) {
		t.Helper()
		clock.Advance(d)
		if err := engine.Sweep(context.Background()); err != nil {
			t.Fatal(err)
		}
		engine.Wait()
	}
	start := clock.Now()
	for getAlert(t, app, officer.Token, id).State != "unacknowledged" {
		if clock.Now().Sub(start) > time.Minute {
			t.Fatalf("the policy never ran out: %+v", getAlert(t, app, officer.Token, id))
		}
		sweep(time.Second)
	}
	pages := len(fake.DeliveredTo(supToken))
	if pages == 0 {
		t.Fatalf("the supervisor was not paged when the policy ran out")
	}
	res := app.Post(t, "/v1/cases/"+id+"/status", officer.Token, map[string]string{"status": "closed", "disposition": "advice_given"})
	if res.Status != http.StatusOK {
		t.Fatalf("close the case: got %d; %s", res.Status, res.Body)
	}
	var a struct{ State, AcknowledgedBy string }
	app.Get(t, "/v1/alerts/"+id, officer.Token).Decode(t, &a)
	if a.State != "acknowledged" || a.AcknowledgedBy != officer.ID {
		t.Errorf("alert after its case was closed: %+v, want acknowledged by the closing officer", a)
	}
	for range 3 {
		sweep(10 * time.Minute)
	}
	if got := len(fake.DeliveredTo(supToken)); got != pages {
		t.Errorf("got %d supervisor pages 30 minutes after the case was closed, want still %d", got, pages)
	}
}
