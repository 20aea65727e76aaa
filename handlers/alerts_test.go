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

type alertBody struct {
	ID             string
	State          string
	PagesSent      int
	DeliveredAt    *time.Time
	AcknowledgedBy string
}

func TestOnCallDevicesAndAlertsOverHTTP(t *testing.T) {
	t.Parallel()
	fake := fcmfake.New()
	t.Cleanup(fake.Close)
	app := apptest.New(t, apptest.WithoutWorkers(), apptest.WithConfig(func(c *server.Config) {
		c.FCMEndpoint, c.FirebaseProjectID = fake.Endpoint(), "p"
	}))
	w := app.NewWorld(t)
	sup, off, otherOff := w.Staff["forceA/supervisor"], w.Staff["forceA/officer"], w.Staff["forceB/officer"]

	const token = "fcm-token-of-officer-a-0001"
	res := app.Post(t, "/v1/me/devices", off.Token, map[string]string{"token": token, "platform": "android", "appVersion": "2.1"})
	if res.Status != http.StatusOK {
		t.Fatalf("register device: got %d; %s", res.Status, res.Body)
	}
	var dev struct{ ID string }
	res.Decode(t, &dev)
	if strings.Contains(string(res.Body), token) {
		t.Errorf("device answer contains the token")
	}
	res = app.Post(t, "/v1/me/devices", off.Token, map[string]string{"token": token, "platform": "android", "appVersion": "2.2"})
	var again struct{ ID string }
	res.Decode(t, &again)
	if again.ID != dev.ID {
		t.Errorf("same token again: got id %q, want %q", again.ID, dev.ID)
	}
	if res := app.Post(t, "/v1/me/devices", off.Token, `{"token":{"$ne":""},"platform":"ios"}`); res.Status != http.StatusBadRequest {
		t.Errorf("operator in token: got %d, want 400", res.Status)
	}

	rotation := map[string]any{"name": "Duty", "members": []string{off.ID}, "shiftHours": 24, "handover": "08:00", "startDate": "2025-01-01"}
	if res := app.Post(t, "/v1/oncall/rotations", off.Token, rotation); res.Status != http.StatusForbidden {
		t.Errorf("officer creating a rotation: got %d, want 403", res.Status)
	}
	res = app.Post(t, "/v1/oncall/rotations", sup.Token, rotation)
	if res.Status != http.StatusCreated {
		t.Fatalf("create rotation: got %d; %s", res.Status, res.Body)
	}
	var rot struct{ ID, TimeZone string }
	res.Decode(t, &rot)
	if rot.TimeZone != "Europe/London" {
		t.Errorf("got time zone %q, want Europe/London by default", rot.TimeZone)
	}
	foreign := map[string]any{"name": "X", "members": []string{otherOff.ID}, "shiftHours": 24, "handover": "08:00", "startDate": "2025-01-01"}
	if res := app.Post(t, "/v1/oncall/rotations", sup.Token, foreign); res.Status != http.StatusBadRequest {
		t.Errorf("rotation with another force's officer: got %d, want 400", res.Status)
	}
	override := map[string]any{"rotationId": rot.ID, "mode": "add", "userId": sup.ID,
		"start": time.Now().Add(-time.Hour).Format(time.RFC3339), "end": time.Now().Add(time.Hour).Format(time.RFC3339)}
	if res := app.Post(t, "/v1/oncall/overrides", sup.Token, override); res.Status != http.StatusCreated {
		t.Errorf("create override: got %d; %s", res.Status, res.Body)
	}

	policy := map[string]any{"name": "Urgent", "repeat": 1, "tiers": []map[string]any{
		{"rotationId": rot.ID, "delaySeconds": 60},
		{"webhook": map[string]string{"url": "https://control-room.example/hook"}, "delaySeconds": 60},
	}}
	res = app.Post(t, "/v1/oncall/policies", sup.Token, policy)
	if res.Status != http.StatusCreated {
		t.Fatalf("create policy: got %d; %s", res.Status, res.Body)
	}
	var pol struct{ ID string }
	res.Decode(t, &pol)
	otherSup := w.Staff["forceB/supervisor"]
	if res := app.Do(t, apptest.Request{Method: http.MethodPut, Path: "/v1/oncall/policies/" + pol.ID + "/default", Token: otherSup.Token}); res.Status != http.StatusNotFound {
		t.Errorf("another force's supervisor setting the default: got %d, want 404", res.Status)
	}
	if res := app.Do(t, apptest.Request{Method: http.MethodPut, Path: "/v1/oncall/policies/" + pol.ID + "/default", Token: sup.Token}); res.Status != http.StatusOK {
		t.Fatalf("set default: got %d; %s", res.Status, res.Body)
	}
	res = app.Get(t, "/v1/oncall/now", off.Token)
	var now struct {
		PolicyID string
		Tiers    []struct {
			Kind    string
			UserIDs []string
		}
	}
	res.Decode(t, &now)
	if now.PolicyID != pol.ID || len(now.Tiers) != 2 || len(now.Tiers[0].UserIDs) != 2 || now.Tiers[1].Kind != "webhook" {
		t.Errorf("on call now: got %+v, want the officer and the added supervisor, then the webhook", now)
	}

	// A child's urgent report to force A: the app's own dispatcher pages the
	// on-call officer's phone, and the push carries no report content.
	const marker = "he says he is outside my school now marker-91c7"
	body := routineReport(w.ForceA.Code, marker)
	body["answers"] = map[string]any{"inDangerNow": true}
	if res := postReport(t, app, freshKey(), body, nil); res.Status != http.StatusCreated {
		t.Fatalf("urgent report: got %d; %s", res.Status, res.Body)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := fake.WaitDelivered(ctx, 1); err != nil {
		t.Fatal(err)
	}
	pages := fake.DeliveredTo(token)
	if len(pages) != 1 {
		t.Fatalf("got %d pages to the officer's phone, want 1", len(pages))
	}
	if raw := string(pages[0].Body); strings.Contains(raw, "marker-91c7") || strings.Contains(raw, "outside my school") {
		t.Errorf("the push carries report text: %s", raw)
	}
	var queue struct{ Items []struct{ ID string } }
	app.Get(t, "/v1/cases", off.Token).Decode(t, &queue)
	if len(queue.Items) != 1 {
		t.Fatalf("force A's queue: got %d cases, want 1", len(queue.Items))
	}
	caseID := queue.Items[0].ID

	// The page reached the fake before the dispatcher finished recording
	// it; the list catches up within the send's bookkeeping.
	var list struct{ Items []alertBody }
	for deadline := time.Now().Add(20 * time.Second); ; {
		app.Get(t, "/v1/alerts", off.Token).Decode(t, &list)
		if len(list.Items) == 1 && list.Items[0].PagesSent >= 1 || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if len(list.Items) != 1 || list.Items[0].ID != caseID || list.Items[0].PagesSent != 1 {
		t.Errorf("alerts of force A: got %+v, want the one alert with 1 page", list.Items)
	}
	app.Get(t, "/v1/alerts", otherOff.Token).Decode(t, &list)
	if len(list.Items) != 0 {
		t.Errorf("alerts seen by force B: got %d, want 0", len(list.Items))
	}
	for _, p := range []string{"/received", "/ack"} {
		if res := app.Post(t, "/v1/alerts/"+caseID+p, otherOff.Token, nil); res.Status != http.StatusNotFound {
			t.Errorf("force B %s: got %d, want 404", p, res.Status)
		}
	}
	var a alertBody
	app.Post(t, "/v1/alerts/"+caseID+"/received", off.Token, nil).Decode(t, &a)
	if a.DeliveredAt == nil {
		t.Errorf("received: got no delivered time")
	}
	res = app.Post(t, "/v1/alerts/"+caseID+"/ack", off.Token, nil)
	res.Decode(t, &a)
	if res.Status != http.StatusOK || a.State != "acknowledged" || a.AcknowledgedBy != off.ID {
		t.Errorf("ack: got %d %+v, want acknowledged by the officer", res.Status, a)
	}
	var opened struct{ Status string }
	app.Get(t, "/v1/cases/"+caseID, off.Token).Decode(t, &opened)
	if opened.Status != "acknowledged" {
		t.Errorf("case after the alert was acknowledged: got status %q, want acknowledged", opened.Status)
	}

	if res := app.Do(t, apptest.Request{Method: http.MethodDelete, Path: "/v1/me/devices/" + dev.ID, Token: otherOff.Token}); res.Status != http.StatusNotFound {
		t.Errorf("deleting another officer's device: got %d, want 404", res.Status)
	}
	if res := app.Do(t, apptest.Request{Method: http.MethodDelete, Path: "/v1/me/devices/" + dev.ID, Token: off.Token}); res.Status != http.StatusNoContent {
		t.Errorf("deleting own device: got %d, want 204", res.Status)
	}
}

func TestPolicyValidationOverHTTP(t *testing.T) {
	t.Parallel()
	app := apptest.New(t, apptest.WithoutWorkers())
	w := app.NewWorld(t)
	sup := w.Staff["forceA/supervisor"]
	res := app.Post(t, "/v1/oncall/policies", sup.Token, map[string]any{"name": "", "repeat": 99,
		"tiers": []map[string]any{{"userIds": []string{"nobody"}, "delaySeconds": 0}}})
	if res.Status != http.StatusBadRequest {
		t.Fatalf("got %d, want 400", res.Status)
	}
	for _, f := range []string{"name", "repeat", "tiers[0].delaySeconds", "tiers"} {
		if !strings.Contains(string(res.Body), `"`+f+`"`) {
			t.Errorf("problem does not name field %s: %s", f, res.Body)
		}
	}
}
