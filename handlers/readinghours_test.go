package handlers_test

import (
	"net/http"
	"strings"
	"testing"

	"speaksafe/accounts"
	"speaksafe/apptest"
)

// A routine report's guidance says when the force reads reports, from the
// hours its admin stated; a force that stated none gets the general words.
func TestRoutineGuidanceQuotesTheForcesReadingHours(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	admin := app.Staff(t, accounts.RoleAdmin, "")
	hours := map[string]any{"firstDay": "monday", "lastDay": "friday", "from": 9, "to": 17}
	res := app.Post(t, "/v1/organisations", admin.Token, map[string]any{"kind": "force", "name": "Hours Police",
		"code": "hours-test", "readingHours": hours})
	if res.Status != http.StatusCreated {
		t.Fatalf("create force: got %d; %s", res.Status, res.Body)
	}
	var force struct{ ID string }
	res.Decode(t, &force)
	plain := app.CreateForce(t, "")

	guidance := func(code string) string {
		t.Helper()
		var ans guidanceAnswer
		res := postReport(t, app, freshKey(), routineReport(code, "someone keeps messaging me"), nil)
		if res.Status != http.StatusCreated {
			t.Fatalf("report: got %d; %s", res.Status, res.Body)
		}
		res.Decode(t, &ans)
		return ans.Guidance.WhatHappensNext
	}
	if got := guidance("hours-test"); !strings.Contains(got, "Monday to Friday, from 09:00 to 17:00") {
		t.Errorf("guidance of a force with hours: got %q, want its hours", got)
	}
	if got := guidance(plain.Code); !strings.Contains(got, "during their working hours") {
		t.Errorf("guidance of a force without hours: got %q, want the general words", got)
	}

	var list struct {
		Items []struct {
			Code         string
			ReadingHours map[string]any
		}
	}
	app.Get(t, "/v1/forces", "").Decode(t, &list)
	for _, f := range list.Items {
		if f.Code == "hours-test" && (f.ReadingHours["firstDay"] != "monday" || f.ReadingHours["to"] != float64(17)) {
			t.Errorf("GET /v1/forces: got reading hours %v, want %v", f.ReadingHours, hours)
		}
		if f.Code == plain.Code && f.ReadingHours != nil {
			t.Errorf("GET /v1/forces: a force without hours shows %v", f.ReadingHours)
		}
	}

	// Every day from 8 to 20, then cleared: back to the general words.
	patch := func(body map[string]any, want int) {
		t.Helper()
		res := app.Do(t, apptest.Request{Method: http.MethodPatch, Path: "/v1/organisations/" + force.ID, Token: admin.Token, Body: body})
		if res.Status != want {
			t.Fatalf("PATCH %v: got %d, want %d; %s", body, res.Status, want, res.Body)
		}
	}
	patch(map[string]any{"readingHours": map[string]any{"from": 8, "to": 20}}, http.StatusOK)
	if got := guidance("hours-test"); !strings.Contains(got, "every day, from 08:00 to 20:00") {
		t.Errorf("guidance after every-day hours: got %q", got)
	}
	for _, bad := range []map[string]any{
		{"readingHours": map[string]any{"from": 17, "to": 9}},
		{"readingHours": map[string]any{"firstDay": "funday", "lastDay": "friday", "from": 9, "to": 17}},
		{"readingHours": map[string]any{"firstDay": "monday", "from": 9, "to": 17}},
		{"readingHours": map[string]any{"from": 9, "to": 17, "FROM": 3}},
	} {
		patch(bad, http.StatusBadRequest)
	}
	if got := guidance("hours-test"); !strings.Contains(got, "every day, from 08:00 to 20:00") {
		t.Errorf("a refused change changed the hours: got %q", got)
	}
	patch(map[string]any{"readingHours": nil}, http.StatusOK)
	if got := guidance("hours-test"); !strings.Contains(got, "during their working hours") {
		t.Errorf("guidance after the hours were cleared: got %q", got)
	}
	school := app.CreateSchool(t, force.ID, "Hillside")
	patchSchool := app.Do(t, apptest.Request{Method: http.MethodPatch, Path: "/v1/organisations/" + school.ID, Token: admin.Token,
		Body: map[string]any{"readingHours": hours}})
	if patchSchool.Status != http.StatusBadRequest {
		t.Errorf("reading hours on a school: got %d, want 400", patchSchool.Status)
	}
}
