package handlers_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"speaksafe/apptest"
	"speaksafe/fcmfake"
	"speaksafe/server"
)

type escalationAlert struct {
	ID, State, Reference, Category string
	Tier, Step, Gaps               int
	UrgentReasons                  []string
}

// escalationApp is the app with a manual clock, no background workers (the
// test drives the alert engine's sweeps), FCM pointed at fake, and a force
// A policy of userIds tiers [first] and [second], 5 s each, then a webhook.
func escalationApp(t *testing.T, fake *fcmfake.Server, first, second func(w *apptest.World) string) (*apptest.App, *apptest.World, *apptest.Clock) {
	t.Helper()
	clock := apptest.NewClock(time.Now().UTC().Truncate(time.Second))
	app := apptest.New(t, apptest.WithoutWorkers(), apptest.WithClock(clock), apptest.WithConfig(func(c *server.Config) {
		c.FCMEndpoint, c.FirebaseProjectID = fake.Endpoint(), "p"
	}))
	t.Cleanup(app.AlertEngine().Stop)
	w := app.NewWorld(t)
	sup := w.Staff["forceA/supervisor"]
	policy := map[string]any{"name": "Fast", "tiers": []map[string]any{
		{"userIds": []string{first(w)}, "delaySeconds": 5},
		{"userIds": []string{second(w)}, "delaySeconds": 5},
		{"webhook": map[string]string{"url": "https://control-room.example/hook"}, "delaySeconds": 5},
	}}
	res := app.Post(t, "/v1/oncall/policies", sup.Token, policy)
	if res.Status != http.StatusCreated {
		t.Fatalf("create policy: got %d; %s", res.Status, res.Body)
	}
	var pol struct{ ID string }
	res.Decode(t, &pol)
	if res := app.Do(t, apptest.Request{Method: http.MethodPut, Path: "/v1/oncall/policies/" + pol.ID + "/default", Token: sup.Token}); res.Status != http.StatusOK {
		t.Fatalf("set default: got %d; %s", res.Status, res.Body)
	}
	return app, w, clock
}

// urgentAlert posts an urgent report to force A and returns its alert id.
func urgentAlert(t *testing.T, app *apptest.App, w *apptest.World) string {
	t.Helper()
	body := routineReport(w.ForceA.Code, "he wants to meet me tonight marker-5d1e")
	body["answers"] = map[string]any{"inDangerNow": true}
	if res := postReport(t, app, freshKey(), body, nil); res.Status != http.StatusCreated {
		t.Fatalf("urgent report: got %d; %s", res.Status, res.Body)
	}
	var list struct{ Items []escalationAlert }
	app.Get(t, "/v1/alerts", w.Staff["forceA/officer"].Token).Decode(t, &list)
	if len(list.Items) != 1 {
		t.Fatalf("got %d alerts, want 1", len(list.Items))
	}
	return list.Items[0].ID
}

func getAlert(t *testing.T, app *apptest.App, token, id string) escalationAlert {
	t.Helper()
	var a escalationAlert
	res := app.Get(t, "/v1/alerts/"+id, token)
	if res.Status != http.StatusOK {
		t.Fatalf("GET alert: got %d; %s", res.Status, res.Body)
	}
	res.Decode(t, &a)
	return a
}

func TestEscalationClockNeverWaitsForAFailingPushService(t *testing.T) {
	t.Parallel()
	fake := fcmfake.New()
	t.Cleanup(fake.Close)
	fake.SetUnavailable(true)
	off := func(w *apptest.World) string { return w.Staff["forceA/officer"].ID }
	sup := func(w *apptest.World) string { return w.Staff["forceA/supervisor"].ID }
	app, w, clock := escalationApp(t, fake, off, sup)
	for _, k := range []string{"forceA/officer", "forceA/supervisor"} {
		tok := map[string]string{"token": "fcm-token-" + strings.ReplaceAll(k, "/", "-") + "-0001", "platform": "android"}
		if res := app.Post(t, "/v1/me/devices", w.Staff[k].Token, tok); res.Status != http.StatusOK {
			t.Fatalf("register device: got %d; %s", res.Status, res.Body)
		}
	}
	reported := clock.Now()
	id := urgentAlert(t, app, w)
	engine, token := app.AlertEngine(), w.Staff["forceA/officer"].Token
	// Every page fails (the push service answers 503 to each try); the
	// control-room webhook tier must still start within 10 s + 5 s.
	for getAlert(t, app, token, id).Tier < 2 {
		if clock.Now().Sub(reported) >= 15*time.Second {
			t.Fatalf("webhook tier not reached %v after the report with the push service failing", clock.Now().Sub(reported))
		}
		clock.Advance(time.Second)
		if err := engine.Sweep(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if len(fake.Requests()) == 0 {
		t.Errorf("no page was tried")
	}
}

func TestTierWithNoRegisteredDeviceMovesOnAtOnce(t *testing.T) {
	t.Parallel()
	fake := fcmfake.New()
	t.Cleanup(fake.Close)
	off := func(w *apptest.World) string { return w.Staff["forceA/officer"].ID }
	sup := func(w *apptest.World) string { return w.Staff["forceA/supervisor"].ID }
	app, w, _ := escalationApp(t, fake, off, sup)
	// Only tier 2 (the supervisor) has a phone.
	const token = "fcm-token-of-the-supervisor-0001"
	if res := app.Post(t, "/v1/me/devices", w.Staff["forceA/supervisor"].Token, map[string]string{"token": token, "platform": "ios"}); res.Status != http.StatusOK {
		t.Fatalf("register device: got %d; %s", res.Status, res.Body)
	}
	id := urgentAlert(t, app, w)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	// The clock never moves: tier 2 is paged at the report's own instant.
	if err := fake.WaitDelivered(ctx, 1); err != nil {
		t.Fatalf("tier 2 not paged without the clock moving: %v", err)
	}
	if got := len(fake.DeliveredTo(token)); got != 1 {
		t.Errorf("got %d pages to tier 2, want 1", got)
	}
	app.AlertEngine().Wait()
	a := getAlert(t, app, w.Staff["forceA/supervisor"].Token, id)
	if a.Gaps != 1 || a.Tier != 1 || a.State != "overdue" {
		t.Errorf("got %+v, want tier 1 overdue with 1 gap recorded", a)
	}
	if a.Reference == "" || a.Category != "gifts_or_money" || len(a.UrgentReasons) == 0 {
		t.Errorf("alert without its case's triage facts: %+v", a)
	}
	res := app.Get(t, "/v1/alerts/"+id, w.Staff["forceA/supervisor"].Token)
	if strings.Contains(string(res.Body), "marker-5d1e") {
		t.Errorf("the alert carries report text: %s", res.Body)
	}
	if res := app.Get(t, "/v1/alerts/"+id, w.Staff["forceB/officer"].Token); res.Status != http.StatusNotFound {
		t.Errorf("another force's officer reading the alert: got %d, want 404", res.Status)
	}
}

// A push service that hangs holds nothing up: both officers' pages are
// still unanswered when the control-room webhook tier starts on time.
func TestEscalationClockNeverWaitsForAHangingPushService(t *testing.T) {
	t.Parallel()
	fake := fcmfake.New()
	t.Cleanup(fake.Close)
	fake.Hold(true)
	t.Cleanup(func() { fake.Hold(false) })
	off := func(w *apptest.World) string { return w.Staff["forceA/officer"].ID }
	sup := func(w *apptest.World) string { return w.Staff["forceA/supervisor"].ID }
	app, w, clock := escalationApp(t, fake, off, sup)
	for _, k := range []string{"forceA/officer", "forceA/supervisor"} {
		tok := map[string]string{"token": "fcm-token-" + strings.ReplaceAll(k, "/", "-") + "-0002", "platform": "android"}
		if res := app.Post(t, "/v1/me/devices", w.Staff[k].Token, tok); res.Status != http.StatusOK {
			t.Fatalf("register device: got %d; %s", res.Status, res.Body)
		}
	}
	reported := clock.Now()
	id := urgentAlert(t, app, w)
	engine, token := app.AlertEngine(), w.Staff["forceA/officer"].Token
	for getAlert(t, app, token, id).Tier < 2 {
		if clock.Now().Sub(reported) > 10*time.Second {
			t.Fatalf("webhook tier not reached %v after the report", clock.Now().Sub(reported))
		}
		clock.Advance(time.Second)
		if err := engine.Sweep(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := fake.WaitInFlight(ctx, 2); err != nil {
		t.Errorf("tier 1 and tier 2 pages were not both in flight beside the clock: %v", err)
	}
}
