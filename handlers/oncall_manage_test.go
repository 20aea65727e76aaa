package handlers_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"speaksafe/apptest"
)

func oncallDo(t *testing.T, app *apptest.App, method, path, token string, body any) *apptest.Response {
	t.Helper()
	return app.Do(t, apptest.Request{Method: method, Path: path, Token: token, Body: body})
}

type policyBody struct {
	ID        string
	IsDefault bool
}

// TestRotationsAndPoliciesCanBeEditedAndDeleted: a supervisor changes a
// rotation's members and /v1/oncall/now follows at once, with names; the
// default policy cannot be deleted (409) and a rotation a policy pages
// neither; a policy edit is a new version that stays the default; then the
// rotation and a spare policy can be deleted. Another force gets 404, and
// every step is audited.
func TestRotationsAndPoliciesCanBeEditedAndDeleted(t *testing.T) {
	t.Parallel()
	clock := apptest.NewClock(time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC))
	app := apptest.New(t, apptest.WithoutWorkers(), apptest.WithClock(clock))
	w := app.NewWorld(t)
	sup, off, other := w.Who(t, "forceA/supervisor"), w.Who(t, "forceA/officer"), w.Who(t, "forceB/supervisor")
	var rot struct{ ID string }
	app.Post(t, "/v1/oncall/rotations", sup.Token, map[string]any{"name": "Day", "members": []string{off.ID},
		"shiftHours": 24, "handover": "00:00", "startDate": "2026-11-01"}).Decode(t, &rot)
	hook := map[string]any{"webhook": map[string]string{"url": "https://control-room.example/hook"}, "delaySeconds": 60}
	var pol policyBody
	app.Post(t, "/v1/oncall/policies", sup.Token, map[string]any{"name": "Urgent",
		"tiers": []map[string]any{{"rotationId": rot.ID, "delaySeconds": 60}, hook}}).Decode(t, &pol)
	if res := oncallDo(t, app, http.MethodPut, "/v1/oncall/policies/"+pol.ID+"/default", sup.Token, nil); res.Status != http.StatusOK {
		t.Fatalf("set default: got %d", res.Status)
	}
	if m := onCallNow(t, app, sup.Token)[0].Members; len(m) != 1 || m[0].UserID != off.ID || m[0].Name != "Test officer" || m[0].DeviceState != "none" {
		t.Errorf("on call now: got %+v, want the officer by name, no device", m)
	}
	rotPath := "/v1/oncall/rotations/" + rot.ID
	if res := oncallDo(t, app, http.MethodPatch, rotPath, other.Token, map[string]any{"name": "Mine"}); res.Status != http.StatusNotFound {
		t.Errorf("another force's supervisor edits the rotation: got %d, want 404", res.Status)
	}
	if res := oncallDo(t, app, http.MethodPatch, rotPath, sup.Token, map[string]any{"handover": "25:00", "members": []string{other.ID}}); res.Status != http.StatusBadRequest {
		t.Errorf("a bad edit: got %d, want 400", res.Status)
	}
	if res := oncallDo(t, app, http.MethodPatch, rotPath, sup.Token, map[string]any{"members": []string{sup.ID}}); res.Status != http.StatusOK {
		t.Fatalf("edit rotation: got %d %s", res.Status, res.Body)
	}
	if m := onCallNow(t, app, sup.Token)[0].Members; len(m) != 1 || m[0].UserID != sup.ID || m[0].Name != "Test supervisor" {
		t.Errorf("on call after the edit: got %+v, want the supervisor", m)
	}
	res := oncallDo(t, app, http.MethodDelete, "/v1/oncall/policies/"+pol.ID, sup.Token, nil)
	if res.Status != http.StatusConflict || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/problem+json") ||
		!strings.Contains(string(res.Body), "default") {
		t.Errorf("delete the default policy: got %d %s, want a 409 problem", res.Status, res.Body)
	}
	if res := oncallDo(t, app, http.MethodDelete, rotPath, sup.Token, nil); res.Status != http.StatusConflict {
		t.Errorf("delete a rotation the default pages: got %d, want 409", res.Status)
	}
	var v2 policyBody
	res = oncallDo(t, app, http.MethodPut, "/v1/oncall/policies/"+pol.ID, sup.Token, map[string]any{"name": "Urgent v2",
		"tiers": []map[string]any{{"userIds": []string{off.ID}, "delaySeconds": 60}, hook}})
	res.Decode(t, &v2)
	if res.Status != http.StatusOK || v2.ID == pol.ID || !v2.IsDefault {
		t.Fatalf("replace policy: got %d %s, want a new default version", res.Status, res.Body)
	}
	if res := oncallDo(t, app, http.MethodPut, "/v1/oncall/policies/"+pol.ID, sup.Token, map[string]any{"name": "Again",
		"tiers": []map[string]any{hook}}); res.Status != http.StatusNotFound {
		t.Errorf("edit the replaced version: got %d, want 404", res.Status)
	}
	if m := onCallNow(t, app, sup.Token)[0].Members; len(m) != 1 || m[0].UserID != off.ID {
		t.Errorf("on call under the new version: got %+v", m)
	}
	if res := oncallDo(t, app, http.MethodDelete, rotPath, sup.Token, nil); res.Status != http.StatusNoContent {
		t.Errorf("delete the rotation no policy pages: got %d %s", res.Status, res.Body)
	}
	var spare policyBody
	app.Post(t, "/v1/oncall/policies", sup.Token, map[string]any{"name": "Spare", "tiers": []map[string]any{hook}}).Decode(t, &spare)
	if res := oncallDo(t, app, http.MethodDelete, "/v1/oncall/policies/"+spare.ID, other.Token, nil); res.Status != http.StatusNotFound {
		t.Errorf("another force deletes the policy: got %d, want 404", res.Status)
	}
	if res := oncallDo(t, app, http.MethodDelete, "/v1/oncall/policies/"+spare.ID, sup.Token, nil); res.Status != http.StatusNoContent {
		t.Errorf("delete a spare policy: got %d", res.Status)
	}
	var list struct{ Items []policyBody }
	app.Get(t, "/v1/oncall/policies", sup.Token).Decode(t, &list)
	if len(list.Items) != 1 || list.Items[0].ID != v2.ID {
		t.Errorf("policies: got %+v, want only the new version", list.Items)
	}
	var rots struct{ Items []struct{ ID string } }
	app.Get(t, "/v1/oncall/rotations", sup.Token).Decode(t, &rots)
	if len(rots.Items) != 0 {
		t.Errorf("rotations after delete: got %+v", rots.Items)
	}
	actions := auditActions(t, app)
	for _, a := range []string{"oncall.rotation_updated", "oncall.policy_replaced", "oncall.policy_deleted", "oncall.rotation_deleted"} {
		if !strings.Contains(actions, a+" ") {
			t.Errorf("audit lacks %s", a)
		}
	}
}

// TestOverridesAreListedDeletedAndSwept: overrides are listed by start to
// the force only, deleted by its supervisor, and once ended swept from the
// store on the injected clock, each audited.
func TestOverridesAreListedDeletedAndSwept(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	clock := apptest.NewClock(start)
	app := apptest.New(t, apptest.WithoutWorkers(), apptest.WithClock(clock))
	w := app.NewWorld(t)
	sup, off, other := w.Who(t, "forceA/supervisor"), w.Who(t, "forceA/officer"), w.Who(t, "forceB/supervisor")
	var rot struct{ ID string }
	app.Post(t, "/v1/oncall/rotations", sup.Token, map[string]any{"name": "Day", "members": []string{off.ID},
		"shiftHours": 24, "handover": "00:00", "startDate": "2026-11-01"}).Decode(t, &rot)
	var ids []string
	for _, h := range []int{1, 0} {
		var o struct{ ID string }
		res := app.Post(t, "/v1/oncall/overrides", sup.Token, map[string]any{"rotationId": rot.ID, "mode": "add", "userId": sup.ID,
			"start": start.Add(time.Duration(h) * time.Hour), "end": start.Add(time.Duration(h+2) * time.Hour)})
		res.Decode(t, &o)
		ids = append(ids, o.ID)
	}
	var list struct{ Items []struct{ ID string } }
	app.Get(t, "/v1/oncall/overrides?rotationId="+rot.ID, off.Token).Decode(t, &list)
	if len(list.Items) != 2 || list.Items[0].ID != ids[1] {
		t.Fatalf("overrides: got %+v, want both, earliest first", list.Items)
	}
	app.Get(t, "/v1/oncall/overrides", other.Token).Decode(t, &list)
	if len(list.Items) != 0 {
		t.Errorf("another force lists our overrides: %+v", list.Items)
	}
	if res := oncallDo(t, app, http.MethodDelete, "/v1/oncall/overrides/"+ids[0], other.Token, nil); res.Status != http.StatusNotFound {
		t.Errorf("another force deletes an override: got %d, want 404", res.Status)
	}
	if res := oncallDo(t, app, http.MethodDelete, "/v1/oncall/overrides/"+ids[0], off.Token, nil); res.Status != http.StatusForbidden {
		t.Errorf("an officer deletes an override: got %d, want 403", res.Status)
	}
	if res := oncallDo(t, app, http.MethodDelete, "/v1/oncall/overrides/"+ids[0], sup.Token, nil); res.Status != http.StatusNoContent {
		t.Errorf("delete an override: got %d", res.Status)
	}
	if n, err := app.OnCall().SweepOverrides(context.Background()); err != nil || n != 0 {
		t.Errorf("sweep before the end: swept %d (%v), want none", n, err)
	}
	clock.Advance(2 * time.Hour)
	if n, err := app.OnCall().SweepOverrides(context.Background()); err != nil || n != 1 {
		t.Errorf("sweep after the end: swept %d (%v), want 1", n, err)
	}
	if n := countDocs(t, app, "oncall_overrides"); n != 0 {
		t.Errorf("overrides left in the store: %d", n)
	}
	actions := auditActions(t, app)
	for _, a := range []string{"oncall.override_deleted", "oncall.override_expired"} {
		if !strings.Contains(actions, a+" ") {
			t.Errorf("audit lacks %s", a)
		}
	}
}
