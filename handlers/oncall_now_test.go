package handlers_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"speaksafe/apptest"
)

type memberNow struct {
	UserID      string
	Name        string
	DeviceState string
	LiveDevices int
	Gap         bool
	GapReason   string
}

type tierNow struct {
	Kind      string
	Members   []memberNow
	Gap       bool
	GapReason string
}

func onCallNow(t *testing.T, app *apptest.App, token string) []tierNow {
	t.Helper()
	var now struct{ Tiers []tierNow }
	res := app.Get(t, "/v1/oncall/now", token)
	if res.Status != http.StatusOK {
		t.Fatalf("on call now: got %d %s", res.Status, res.Body)
	}
	res.Decode(t, &now)
	return now.Tiers
}

func member(tiers []tierNow, tier int, id string) memberNow {
	for _, m := range tiers[tier].Members {
		if m.UserID == id {
			return m
		}
	}
	return memberNow{}
}

func TestOnCallNowShowsMembersWithoutALiveDevice(t *testing.T) {
	t.Parallel()
	clock := apptest.NewClock(time.Date(2025, 6, 2, 10, 0, 0, 0, time.UTC))
	app := apptest.New(t, apptest.WithoutWorkers(), apptest.WithClock(clock))
	w := app.NewWorld(t)
	sup, off := w.Staff["forceA/supervisor"], w.Staff["forceA/officer"]
	register := func(token, fcm string) {
		t.Helper()
		res := app.Post(t, "/v1/me/devices", token, map[string]string{"token": fcm, "platform": "ios", "appVersion": "1"})
		if res.Status != http.StatusOK {
			t.Fatalf("register: got %d %s", res.Status, res.Body)
		}
	}
	register(sup.Token, "fcm-token-of-the-supervisor-0001")
	policy := map[string]any{"name": "Urgent", "repeat": 0, "tiers": []map[string]any{
		{"userIds": []string{off.ID, sup.ID}, "delaySeconds": 60},
		{"userIds": []string{off.ID}, "delaySeconds": 60},
		{"webhook": map[string]string{"url": "https://control-room.example/hook"}, "delaySeconds": 60},
	}}
	var pol struct{ ID string }
	app.Post(t, "/v1/oncall/policies", sup.Token, policy).Decode(t, &pol)
	if res := app.Do(t, apptest.Request{Method: http.MethodPut, Path: "/v1/oncall/policies/" + pol.ID + "/default", Token: sup.Token}); res.Status != http.StatusOK {
		t.Fatalf("set default: got %d %s", res.Status, res.Body)
	}

	tiers := onCallNow(t, app, sup.Token)
	if m := member(tiers, 0, off.ID); m.DeviceState != "none" || !m.Gap || m.GapReason != "no-device" || m.LiveDevices != 0 {
		t.Errorf("officer without a phone: got %+v, want state none, a gap (no-device)", m)
	}
	if m := member(tiers, 0, sup.ID); m.DeviceState != "live" || m.Gap || m.LiveDevices != 1 {
		t.Errorf("supervisor with a phone: got %+v, want live, no gap", m)
	}
	if tiers[0].Gap {
		t.Errorf("tier 0 reaches the supervisor's phone but is shown as a gap")
	}
	if !tiers[1].Gap || tiers[1].GapReason != "no-live-device" {
		t.Errorf("tier 1 (only the officer, no phone): got gap %v %q, want a gap, no-live-device", tiers[1].Gap, tiers[1].GapReason)
	}
	if tiers[2].Kind != "webhook" || len(tiers[2].Members) != 0 || tiers[2].Gap {
		t.Errorf("webhook tier: got %+v", tiers[2])
	}

	register(off.Token, "fcm-token-of-the-officer-000001")
	tiers = onCallNow(t, app, off.Token)
	if m := member(tiers, 1, off.ID); m.DeviceState != "live" || m.Gap || tiers[1].Gap {
		t.Errorf("after the officer registers: got %+v, tier gap %v; want live, no gap", m, tiers[1].Gap)
	}

	clock.Advance(31 * 24 * time.Hour)
	tiers = onCallNow(t, app, app.TokenFor(t, sup.ID))
	if m := member(tiers, 1, off.ID); m.DeviceState != "stale" || m.Gap {
		t.Errorf("a phone unseen for 31 days: got %+v, want stale (still paged, not a gap)", m)
	}
}

func TestOnCallAndDeviceChangesAreAudited(t *testing.T) {
	t.Parallel()
	app := apptest.New(t, apptest.WithoutWorkers())
	w := app.NewWorld(t)
	sup, off := w.Staff["forceA/supervisor"], w.Staff["forceA/officer"]
	created := func(path string, body any) string {
		t.Helper()
		res := app.Post(t, path, sup.Token, body)
		if res.Status != http.StatusCreated {
			t.Fatalf("POST %s: got %d %s", path, res.Status, res.Body)
		}
		var v struct{ ID string }
		res.Decode(t, &v)
		return v.ID
	}
	rot := created("/v1/oncall/rotations", map[string]any{"name": "Duty", "members": []string{off.ID},
		"shiftHours": 24, "handover": "08:00", "startDate": "2025-01-01"})
	ov := created("/v1/oncall/overrides", map[string]any{"rotationId": rot, "mode": "add", "userId": sup.ID,
		"start": time.Now().Format(time.RFC3339), "end": time.Now().Add(time.Hour).Format(time.RFC3339)})
	pol := created("/v1/oncall/policies", map[string]any{"name": "Urgent", "repeat": 0, "tiers": []map[string]any{
		{"rotationId": rot, "delaySeconds": 60}, {"webhook": map[string]string{"url": "https://cr.example/h"}, "delaySeconds": 60}}})
	app.Do(t, apptest.Request{Method: http.MethodPut, Path: "/v1/oncall/policies/" + pol + "/default", Token: sup.Token})
	const fcm = "fcm-token-marker-of-audit-test-77"
	var dev struct{ ID string }
	app.Post(t, "/v1/me/devices", off.Token, map[string]string{"token": fcm, "platform": "android", "appVersion": "1"}).Decode(t, &dev)
	app.Do(t, apptest.Request{Method: http.MethodDelete, Path: "/v1/me/devices/" + dev.ID, Token: off.Token})

	recs := auditRecords(t, app)
	want := []struct{ action, object, actor, objectType string }{
		{"oncall.rotation_created", rot, sup.ID, "rotation"},
		{"oncall.override_created", ov, sup.ID, "override"},
		{"oncall.policy_created", pol, sup.ID, "policy"},
		{"oncall.default_policy_set", pol, sup.ID, "policy"},
		{"device.registered", dev.ID, off.ID, "device"},
		{"device.removed", dev.ID, off.ID, "device"},
	}
	for _, e := range want {
		r, ok := findRecord(recs, e.action, e.object)
		if !ok || r.Actor != e.actor || r.ObjectType != e.objectType || r.At.IsZero() {
			t.Errorf("%s of %s: got %+v (found %v), want actor %s, type %s, a time", e.action, e.object, r, ok, e.actor, e.objectType)
		}
		if e.action == "oncall.override_created" && (r.Detail["userId"] != sup.ID || r.Detail["rotationId"] != rot) {
			t.Errorf("override audit names %v, want who was put on call and the rotation", r.Detail)
		}
	}
	for _, r := range recs {
		for _, v := range r.Detail {
			if strings.Contains(v, fcm) || strings.Contains(v, "Duty") || strings.Contains(v, "Urgent") || strings.Contains(v, "cr.example") {
				t.Errorf("audit entry %s carries content: %v", r.Action, r.Detail)
			}
		}
	}
}
