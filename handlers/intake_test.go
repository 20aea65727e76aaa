package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"speaksafe/apptest"
	"speaksafe/handlers"
)

func from(ip string) map[string]string { return map[string]string{"X-Forwarded-For": ip} }

// steadyApp runs the app on a clock that stands at the start of a
// 10-minute window, so that every request of a test counts in one window.
func steadyApp(t *testing.T) *apptest.App {
	return apptest.New(t, apptest.WithConfig(trustTestProxy),
		apptest.WithClock(apptest.NewClock(time.Now().Truncate(10*time.Minute))))
}

// SECURITY 30: 20 different urgent reports and 10 retries from one address
// within a minute all get 201 (the retries their first answer); all 20 are
// in the queue, urgent; those beyond the network threshold share one flood
// group on the case and its queue entry.
func TestUrgentReportsFromOneNetworkAreNeverRefused(t *testing.T) {
	t.Parallel()
	app := steadyApp(t)
	w := app.NewWorld(t)
	const n = 20
	keys := make([]string, n)
	answers := make([]reportAnswer, n)
	for i := range n {
		keys[i] = freshKey()
		body := routineReport(w.ForceA.Code, fmt.Sprintf("he is outside the school gate now %d", i))
		body["answers"] = map[string]any{"inDangerNow": true}
		res := postReport(t, app, keys[i], body, from("198.51.100.20"))
		if res.Status != http.StatusCreated {
			t.Fatalf("urgent report %d: got %d, want 201; %s", i+1, res.Status, res.Body)
		}
		res.Decode(t, &answers[i])
		if i%2 == 1 { // a phone that lost the answer retries
			again := postReport(t, app, keys[i], body, from("198.51.100.20"))
			var got reportAnswer
			if again.Status == http.StatusCreated {
				again.Decode(t, &got)
			}
			if again.Status != http.StatusCreated || got.Reference != answers[i].Reference || got.Receipt != answers[i].Receipt {
				t.Errorf("retry of report %d: got %d %s, want 201 with the stored answer %s", i+1, again.Status, got.Reference, answers[i].Reference)
			}
		}
	}
	officer := w.Who(t, "forceA/officer")
	q := app.Get(t, "/v1/cases?limit=100", officer.Token)
	var page struct {
		Items []struct {
			Reference string `json:"reference"`
			Urgent    bool   `json:"urgent"`
		} `json:"items"`
	}
	q.Decode(t, &page)
	inQueue := map[string]bool{}
	for _, it := range page.Items {
		inQueue[it.Reference] = it.Urgent
	}
	groups := map[string]int{}
	for i, a := range answers {
		if !inQueue[a.Reference] {
			t.Errorf("report %d (%s) is not in the queue as urgent", i+1, a.Reference)
		}
		var c struct {
			FloodGroup string `bson:"floodGroup"`
			FloodKind  string `bson:"floodKind"`
		}
		if err := app.DB.Collection("queue_entries").FindOne(context.Background(), bson.D{{Key: "reference", Value: a.Reference}}).Decode(&c); err != nil {
			t.Fatal(err)
		}
		if c.FloodGroup != "" {
			groups[c.FloodGroup+"/"+c.FloodKind]++
		}
	}
	if len(groups) != 1 {
		t.Errorf("flood groups in the queue: got %v, want one network group", groups)
	}
	for g, k := range groups {
		if !strings.HasSuffix(g, "/network") || k < n-5 {
			t.Errorf("flood group %s holds %d reports, want a network group of most of the %d", g, k, n)
		}
	}
}

// Routine reports may be limited per client; the 429 tells a child what to
// do in words they understand, and a retry of a stored report still gets
// its answer.
func TestRoutineLimitTellsTheChildWhatToDo(t *testing.T) {
	t.Parallel()
	app := steadyApp(t)
	force := app.CreateForce(t, "")
	first := freshKey()
	body := routineReport(force.Code, "someone keeps sending me gifts")
	var stored reportAnswer
	postReport(t, app, first, body, from("198.51.100.30")).Decode(t, &stored)
	for i := 1; i < 30; i++ {
		if res := postReport(t, app, freshKey(), routineReport(force.Code, fmt.Sprint("r", i)), from("198.51.100.30")); res.Status != http.StatusCreated {
			t.Fatalf("routine report %d: got %d", i+1, res.Status)
		}
	}
	res := postReport(t, app, freshKey(), routineReport(force.Code, "one more"), from("198.51.100.30"))
	var p handlers.Problem
	res.Decode(t, &p)
	if res.Status != http.StatusTooManyRequests || !strings.Contains(p.Detail, "999") || !strings.Contains(p.Detail, "Childline") {
		t.Errorf("31st routine report: got %d %q, want 429 telling the child to call 999 or Childline", res.Status, p.Detail)
	}
	again := postReport(t, app, first, body, from("198.51.100.30"))
	var got reportAnswer
	again.Decode(t, &got)
	if again.Status != http.StatusCreated || got.Receipt != stored.Receipt {
		t.Errorf("retry over the limit: got %d, want 201 with the stored receipt", again.Status)
	}
	urgent := routineReport(force.Code, "he is here now")
	urgent["answers"] = map[string]any{"inDangerNow": true}
	if res := postReport(t, app, freshKey(), urgent, from("198.51.100.30")); res.Status != http.StatusCreated {
		t.Errorf("urgent report over the routine limit: got %d, want 201", res.Status)
	}
}

// Every address of one IPv6 /64 is one client for the per-client limits.
func TestIPv6ClientsShareTheirSlash64sLimit(t *testing.T) {
	t.Parallel()
	app := steadyApp(t)
	force := app.CreateForce(t, "")
	for i := range 30 {
		ip := fmt.Sprintf("2001:db8:7:9::%x", i+1)
		if res := postReport(t, app, freshKey(), routineReport(force.Code, fmt.Sprint("r", i)), from(ip)); res.Status != http.StatusCreated {
			t.Fatalf("report %d: got %d", i+1, res.Status)
		}
	}
	if res := postReport(t, app, freshKey(), routineReport(force.Code, "x"), from("2001:db8:7:9:abcd::1")); res.Status != http.StatusTooManyRequests {
		t.Errorf("31st report from the same /64: got %d, want 429", res.Status)
	}
	if res := postReport(t, app, freshKey(), routineReport(force.Code, "x"), from("2001:db8:7:a::1")); res.Status != http.StatusCreated {
		t.Errorf("report from the next /64: got %d, want 201", res.Status)
	}
}

// SECURITY 15: wrong receipts for a reference from many addresses never
// lock the child out: the correct receipt from a new address opens the case.
func TestWrongReceiptsFromManyAddressesNeverLockTheChildOut(t *testing.T) {
	t.Parallel()
	app := steadyApp(t)
	force := app.CreateForce(t, "")
	var ans reportAnswer
	postReport(t, app, freshKey(), routineReport(force.Code, "x"), nil).Decode(t, &ans)
	for i := range 30 {
		res := app.Do(t, apptest.Request{Method: http.MethodPost, Path: "/v1/reports/session", Header: from(fmt.Sprintf("203.0.113.%d", i%6+1)),
			Body: map[string]string{"reference": ans.Reference, "receipt": "2222-3333-4444-5555"}})
		if res.Status != http.StatusUnauthorized && res.Status != http.StatusTooManyRequests {
			t.Fatalf("wrong receipt %d: got %d, want 401 or 429", i+1, res.Status)
		}
	}
	res := app.Do(t, apptest.Request{Method: http.MethodPost, Path: "/v1/reports/session", Header: from("198.51.100.77"),
		Body: map[string]string{"reference": ans.Reference, "receipt": ans.Receipt}})
	if res.Status != http.StatusCreated {
		t.Errorf("correct receipt from a new address after 30 wrong ones: got %d, want 201; %s", res.Status, res.Body)
	}
}

// SECURITY 27 on the child routes: unknown top-level fields are ignored and
// named (an app one version ahead never loses a report), while case
// variants of known fields, nested unknowns and duplicates are refused.
func TestChildRoutesIgnoreOnlyUnknownTopLevelFields(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	force := app.CreateForce(t, "")
	ahead := routineReport(force.Code, "from a newer app")
	ahead["moodEmoji"] = "worried"
	ahead["appTheme"] = map[string]any{"dark": true}
	res := postReport(t, app, freshKey(), ahead, nil)
	if res.Status != http.StatusCreated {
		t.Fatalf("report with unknown top-level fields: got %d, want 201; %s", res.Status, res.Body)
	}
	if got := res.Header.Get(handlers.HeaderIgnoredFields); got != "appTheme, moodEmoji" {
		t.Errorf("Ignored-Fields: got %q, want %q", got, "appTheme, moodEmoji")
	}
	var ans reportAnswer
	res.Decode(t, &ans)
	plain := postReport(t, app, freshKey(), routineReport(force.Code, "from this app"), nil)
	if got := plain.Header.Get(handlers.HeaderIgnoredFields); got != "" {
		t.Errorf("Ignored-Fields without unknown fields: got %q, want none", got)
	}
	c := force.Code
	refused := []string{
		`{"forceCode":"` + c + `","FORCECODE":"XX","category":"something_else","whatHappened":"x"}`,
		`{"forceCode":"` + c + `","category":"something_else","whatHappened":"x","WhatHappened":"y"}`,
		`{"forcecode":"` + c + `","category":"something_else","whatHappened":"x"}`,
		`{"forceCode":"` + c + `","category":"something_else","whatHappened":"x","answers":{"inDangerNow":true,"indangernow":false}}`,
		`{"forceCode":"` + c + `","category":"something_else","whatHappened":"x","answers":{"newQuestion":true}}`,
		`{"forceCode":"` + c + `","category":"something_else","whatHappened":"x","extra":1,"extra":2}`,
		`{"forceCode":"` + c + `","category":"something_else","whatHappened":"x","relatedReference":"nope"}`,
	}
	for _, b := range refused {
		if r := postReport(t, app, freshKey(), b, nil); r.Status != http.StatusBadRequest {
			t.Errorf("report %s: got %d, want 400", b, r.Status)
		}
	}
	sess := app.Do(t, apptest.Request{Method: http.MethodPost, Path: "/v1/reports/session",
		Body: map[string]any{"reference": ans.Reference, "receipt": ans.Receipt, "deviceHint": "x"}})
	if sess.Status != http.StatusCreated || sess.Header.Get(handlers.HeaderIgnoredFields) != "deviceHint" {
		t.Errorf("session with an unknown field: got %d Ignored-Fields %q, want 201 deviceHint", sess.Status, sess.Header.Get(handlers.HeaderIgnoredFields))
	}
	variant := app.Do(t, apptest.Request{Method: http.MethodPost, Path: "/v1/reports/session",
		Body: `{"reference":"` + ans.Reference + `","Receipt":"` + ans.Receipt + `"}`})
	if variant.Status != http.StatusBadRequest {
		t.Errorf("session with a case-variant key: got %d, want 400", variant.Status)
	}
	var s struct{ Token string }
	sess.Decode(t, &s)
	msg := app.Do(t, apptest.Request{Method: http.MethodPost, Path: "/v1/reporter/case/messages", Token: s.Token,
		Body: map[string]any{"body": "hello", "attachmentHint": "none"}})
	if msg.Status != http.StatusCreated || msg.Header.Get(handlers.HeaderIgnoredFields) != "attachmentHint" {
		t.Errorf("reporter message with an unknown field: got %d %q, want 201 attachmentHint", msg.Status, msg.Header.Get(handlers.HeaderIgnoredFields))
	}
	if n := countDocs(t, app, "cases"); n != 2 {
		t.Errorf("cases: got %d, want the 2 accepted reports", n)
	}
}

// A new report can carry an earlier reference; the officer sees the link.
func TestRelatedReferenceShownToTheOfficer(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	w := app.NewWorld(t)
	body := routineReport(w.ForceA.Code, "I lost my receipt; it is the same man")
	body["relatedReference"] = "ss-2222-3333"
	var ans reportAnswer
	postReport(t, app, freshKey(), body, nil).Decode(t, &ans)
	open := app.Get(t, "/v1/cases/"+caseOf(t, app, ans.Reference), w.Who(t, "forceA/officer").Token)
	var d struct {
		RelatedReference string `json:"relatedReference"`
	}
	open.Decode(t, &d)
	if open.Status != http.StatusOK || d.RelatedReference != "SS-2222-3333" {
		t.Errorf("case view: got %d relatedReference %q, want 200 SS-2222-3333", open.Status, d.RelatedReference)
	}
}
