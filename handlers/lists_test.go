package handlers_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"speaksafe/apptest"
)

// listedIDs decodes a list answer ({"items":[{"id":…}]}) into its ids,
// sorted, failing the test on any status but 200.
func listedIDs(t *testing.T, app *apptest.App, path, token string) []string {
	t.Helper()
	res := app.Get(t, path, token)
	if res.Status != http.StatusOK {
		t.Fatalf("GET %s: got %d %s, want 200", path, res.Status, res.Body)
	}
	var list struct{ Items []struct{ ID string } }
	res.Decode(t, &list)
	ids := []string{}
	for _, it := range list.Items {
		ids = append(ids, it.ID)
	}
	slices.Sort(ids)
	return ids
}

func sorted(ids ...string) []string {
	out := slices.Clone(ids)
	slices.Sort(out)
	return out
}

// Rotations and escalation policies are listed to the force's officers and
// supervisors, every one of the force's and none of another force's; the
// policy list names the default.
func TestOnCallListsShowTheForcesOwn(t *testing.T) {
	t.Parallel()
	app := apptest.New(t, apptest.WithoutWorkers())
	w := app.NewWorld(t)
	supA, offA := w.Who(t, "forceA/supervisor"), w.Who(t, "forceA/officer")
	supB, offB := w.Who(t, "forceB/supervisor"), w.Who(t, "forceB/officer")
	created := func(path, token string, body any) string {
		t.Helper()
		res := app.Post(t, path, token, body)
		if res.Status != http.StatusCreated {
			t.Fatalf("POST %s: got %d %s", path, res.Status, res.Body)
		}
		var v struct{ ID string }
		res.Decode(t, &v)
		return v.ID
	}
	rotation := func(name, member string) map[string]any {
		return map[string]any{"name": name, "members": []string{member}, "shiftHours": 24, "handover": "08:00", "startDate": "2025-01-01"}
	}
	rotA1 := created("/v1/oncall/rotations", supA.Token, rotation("Days", offA.ID))
	rotA2 := created("/v1/oncall/rotations", supA.Token, rotation("Nights", offA.ID))
	rotB := created("/v1/oncall/rotations", supB.Token, rotation("B", offB.ID))
	policy := func(rot string) map[string]any {
		return map[string]any{"name": "P", "repeat": 0, "tiers": []map[string]any{{"rotationId": rot, "delaySeconds": 60},
			{"webhook": map[string]string{"url": "https://cr.example/h"}, "delaySeconds": 60}}}
	}
	polA1 := created("/v1/oncall/policies", supA.Token, policy(rotA1))
	polA2 := created("/v1/oncall/policies", supA.Token, policy(rotA2))
	polB := created("/v1/oncall/policies", supB.Token, policy(rotB))
	if res := app.Do(t, apptest.Request{Method: http.MethodPut, Path: "/v1/oncall/policies/" + polA2 + "/default", Token: supA.Token}); res.Status != http.StatusOK {
		t.Fatalf("set default: got %d %s", res.Status, res.Body)
	}

	for _, who := range []apptest.StaffUser{supA, offA} {
		if got, want := listedIDs(t, app, "/v1/oncall/rotations", who.Token), sorted(rotA1, rotA2); !slices.Equal(got, want) {
			t.Errorf("%s of force A lists rotations %v, want %v", who.Role, got, want)
		}
		if got, want := listedIDs(t, app, "/v1/oncall/policies", who.Token), sorted(polA1, polA2); !slices.Equal(got, want) {
			t.Errorf("%s of force A lists policies %v, want %v", who.Role, got, want)
		}
	}
	var list struct {
		Items []struct {
			ID        string
			IsDefault bool
		}
		DefaultPolicyID string
	}
	app.Get(t, "/v1/oncall/policies", offA.Token).Decode(t, &list)
	if list.DefaultPolicyID != polA2 {
		t.Errorf("default policy %q, want %q", list.DefaultPolicyID, polA2)
	}
	for _, p := range list.Items {
		if p.IsDefault != (p.ID == polA2) {
			t.Errorf("policy %s: isDefault %v", p.ID, p.IsDefault)
		}
	}
	if got := listedIDs(t, app, "/v1/oncall/rotations", offB.Token); !slices.Equal(got, []string{rotB}) {
		t.Errorf("force B lists rotations %v, want only its own %s", got, rotB)
	}
	if got := listedIDs(t, app, "/v1/oncall/policies", offB.Token); !slices.Equal(got, []string{polB}) {
		t.Errorf("force B lists policies %v, want only its own %s", got, polB)
	}
	for _, path := range []string{"/v1/oncall/rotations", "/v1/oncall/policies"} {
		for _, key := range []string{"schoolA/school_staff", "forceA/safeguarding_lead"} {
			if res := app.Get(t, path, w.Who(t, key).Token); res.Status != http.StatusForbidden {
				t.Errorf("%s lists %s: got %d, want 403", key, path, res.Status)
			}
		}
	}
}

// An officer's device list holds their own phones only, never a token, and
// loses a phone they remove.
func TestDeviceListIsTheCallersOwn(t *testing.T) {
	t.Parallel()
	app := apptest.New(t, apptest.WithoutWorkers())
	w := app.NewWorld(t)
	off, colleague := w.Who(t, "forceA/officer"), w.Who(t, "forceA/supervisor")
	register := func(token, fcm string) string {
		t.Helper()
		res := app.Post(t, "/v1/me/devices", token, map[string]string{"token": fcm, "platform": "android", "appVersion": "1"})
		if res.Status != http.StatusOK {
			t.Fatalf("register: got %d %s", res.Status, res.Body)
		}
		var d struct{ ID string }
		res.Decode(t, &d)
		return d.ID
	}
	const fcmA, fcmB, fcmC = "fcm-token-of-phone-a-0000000001", "fcm-token-of-phone-b-0000000002", "fcm-token-of-phone-c-0000000003"
	phoneA, phoneB := register(off.Token, fcmA), register(off.Token, fcmB)
	phoneC := register(colleague.Token, fcmC)
	if got, want := listedIDs(t, app, "/v1/me/devices", off.Token), sorted(phoneA, phoneB); !slices.Equal(got, want) {
		t.Errorf("officer's devices %v, want %v", got, want)
	}
	if got := listedIDs(t, app, "/v1/me/devices", colleague.Token); !slices.Equal(got, []string{phoneC}) {
		t.Errorf("colleague's devices %v, want only %s", got, phoneC)
	}
	res := app.Get(t, "/v1/me/devices", off.Token)
	for _, fcm := range []string{fcmA, fcmB, fcmC} {
		if strings.Contains(string(res.Body), fcm) {
			t.Errorf("the device list shows a push token: %s", res.Body)
		}
	}
	if res := app.Do(t, apptest.Request{Method: http.MethodDelete, Path: "/v1/me/devices/" + phoneA, Token: off.Token}); res.Status != http.StatusNoContent {
		t.Fatalf("delete: got %d %s", res.Status, res.Body)
	}
	if got := listedIDs(t, app, "/v1/me/devices", off.Token); !slices.Equal(got, []string{phoneB}) {
		t.Errorf("after removing phone A the list is %v, want only %s", got, phoneB)
	}
}

// Staff see their own organisation's content items, filtered by state when
// asked; another school's items never; an unknown state is a 400.
func TestStaffContentListIsTheOrganisationsOwn(t *testing.T) {
	t.Parallel()
	app := apptest.New(t, apptest.WithoutWorkers())
	w := app.NewWorld(t)
	staffA, leadA, staffB := w.Who(t, "schoolA/school_staff"), w.Who(t, "schoolA/safeguarding_lead"), w.Who(t, "schoolB/school_staff")
	draft := func(token, slug string) staffItemJSON {
		t.Helper()
		res, it := staffDo(t, app, http.MethodPost, "/v1/staff/content", token, "", draftBody(slug))
		if res.Status != http.StatusCreated {
			t.Fatalf("create %s: got %d %s", slug, res.Status, res.Body)
		}
		return it
	}
	a1, a2 := draft(staffA.Token, "list-a-one"), draft(leadA.Token, "list-a-two")
	b1 := draft(staffB.Token, "list-b-one")
	res, _ := staffDo(t, app, http.MethodPost, "/v1/staff/content/"+a2.ID+"/submit", leadA.Token, "", nil)
	if res.Status != http.StatusOK {
		t.Fatalf("submit: got %d %s", res.Status, res.Body)
	}
	for _, tt := range []struct {
		who   apptest.StaffUser
		query string
		want  []string
	}{
		{staffA, "", sorted(a1.ID, a2.ID)},
		{leadA, "", sorted(a1.ID, a2.ID)},
		{staffA, "?state=draft", []string{a1.ID}},
		{staffA, "?state=in_review", []string{a2.ID}},
		{staffA, "?state=published", []string{}},
		{staffB, "", []string{b1.ID}},
	} {
		if got := listedIDs(t, app, "/v1/staff/content"+tt.query, tt.who.Token); !slices.Equal(got, tt.want) {
			t.Errorf("%s of %s lists %s: got %v, want %v", tt.who.Role, tt.who.OrgID, tt.query, got, tt.want)
		}
	}
	if res := app.Get(t, "/v1/staff/content?state=secret", staffA.Token); res.Status != http.StatusBadRequest {
		t.Errorf("unknown state: got %d, want 400", res.Status)
	}
	if res := app.Get(t, "/v1/staff/content", w.Who(t, "forceA/officer").Token); res.Status != http.StatusForbidden {
		t.Errorf("an officer lists staff content: got %d, want 403", res.Status)
	}
}
