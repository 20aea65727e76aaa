package handlers_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"speaksafe/apptest"
	"speaksafe/fcmfake"
)

// historyEntry is what these tests read of a step of a case's history.
type historyEntry struct {
	Seq       int64             `json:"seq"`
	Action    string            `json:"action"`
	Actor     string            `json:"actor"`
	ActorName string            `json:"actorName"`
	Detail    map[string]string `json:"detail"`
}

func timeline(t *testing.T, app *apptest.App, token, id string) []historyEntry {
	t.Helper()
	res := app.Get(t, "/v1/cases/"+id+"/history", token)
	if res.Status != http.StatusOK {
		t.Fatalf("history: got %d; %s", res.Status, res.Body)
	}
	var page struct{ Items []historyEntry }
	res.Decode(t, &page)
	return page.Items
}

// A paged, acknowledged, messaged, assigned and closed case lists every
// step in the order it happened, from the audit chain, with whom the alert
// paged and how long acknowledging took; never the words of the report or
// of a message; another force gets 404.
func TestCaseHistoryListsEveryStepInOrder(t *testing.T) {
	t.Parallel()
	fake := fcmfake.New()
	t.Cleanup(fake.Close)
	off := func(w *apptest.World) string { return w.Staff["forceA/officer"].ID }
	app, w, clock := escalationApp(t, fake, off, off)
	officer, sup := w.Staff["forceA/officer"], w.Staff["forceA/supervisor"]
	dev := map[string]string{"token": "fcm-token-history-officer-0001", "platform": "android"}
	if res := app.Post(t, "/v1/me/devices", officer.Token, dev); res.Status != http.StatusOK {
		t.Fatalf("register device: got %d; %s", res.Status, res.Body)
	}
	body := routineReport(w.ForceA.Code, "he wants to meet me tonight marker-h1st")
	body["answers"] = map[string]any{"inDangerNow": true}
	var ans reportAnswer
	postReport(t, app, freshKey(), body, nil).Decode(t, &ans)
	id := caseOf(t, app, ans.Reference)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := fake.WaitDelivered(ctx, 1); err != nil {
		t.Fatalf("officer not paged: %v", err)
	}
	app.AlertEngine().Wait()
	clock.Advance(2 * time.Second)
	steps := []struct{ path, token string }{
		{"/v1/alerts/" + id + "/ack", officer.Token},
	}
	for _, s := range steps {
		if res := app.Post(t, s.path, s.token, nil); res.Status != http.StatusOK {
			t.Fatalf("POST %s: got %d; %s", s.path, res.Status, res.Body)
		}
	}
	if res := app.Get(t, "/v1/cases/"+id, officer.Token); res.Status != http.StatusOK {
		t.Fatalf("open: got %d", res.Status)
	}
	if res := app.Post(t, "/v1/cases/"+id+"/messages", officer.Token, map[string]string{"body": "Are you safe? marker-msg1"}); res.Status != http.StatusCreated {
		t.Fatalf("message: got %d; %s", res.Status, res.Body)
	}
	child := reporterToken(t, app, ans)
	if res := app.Get(t, "/v1/reporter/case", child); res.Status != http.StatusOK {
		t.Fatalf("reporter view: got %d", res.Status)
	}
	if res := app.Post(t, "/v1/reporter/case/messages", child, map[string]string{"body": "yes I am home marker-msg2"}); res.Status != http.StatusCreated {
		t.Fatalf("reporter message: got %d; %s", res.Status, res.Body)
	}
	if res := app.Get(t, "/v1/cases/"+id, officer.Token); res.Status != http.StatusOK {
		t.Fatalf("open: got %d", res.Status)
	}
	if res := app.Do(t, apptest.Request{Method: http.MethodPut, Path: "/v1/cases/" + id + "/assignment", Token: sup.Token,
		Body: map[string]string{"userId": officer.ID}}); res.Status != http.StatusNoContent {
		t.Fatalf("assign: got %d; %s", res.Status, res.Body)
	}
	closing := map[string]string{"status": "closed", "disposition": "advice_given"}
	if res := app.Post(t, "/v1/cases/"+id+"/status", officer.Token, closing); res.Status != http.StatusOK {
		t.Fatalf("close: got %d; %s", res.Status, res.Body)
	}

	items := timeline(t, app, sup.Token, id)
	want := []string{"case.created", "alert.step", "alert.page", "alert.acknowledged", "case.status_changed", "case.opened",
		"case.message_sent", "case.messages_read_by_reporter", "case.reporter_message", "case.opened", "case.messages_read",
		"case.assigned", "case.status_changed"}
	var got []string
	for i, e := range items {
		got = append(got, e.Action)
		if i > 0 && e.Seq <= items[i-1].Seq {
			t.Errorf("entry %d (seq %d) is not after entry %d (seq %d)", i, e.Seq, i-1, items[i-1].Seq)
		}
	}
	// A step's entry and the entry of the page it sent are written by the
	// alert engine as each completes (the page is delivered while the step
	// is recorded), so either may come first in the chain: compare them as
	// a pair.
	ordered := slices.Clone(got)
	for i := 0; i+1 < len(ordered); i++ {
		if ordered[i] == "alert.page" && ordered[i+1] == "alert.step" {
			ordered[i], ordered[i+1] = ordered[i+1], ordered[i]
		}
	}
	if !isSubsequence(want, ordered) {
		t.Fatalf("history actions:\n got %v\nwant in this order %v", got, want)
	}
	for _, e := range items {
		switch e.Action {
		case "case.created":
			if e.Detail["urgent"] != "true" || !strings.Contains(e.Detail["reasons"], "in_danger_now") || e.Actor != "reporter" {
				t.Errorf("created: got %+v, want urgent with in_danger_now by the reporter", e)
			}
		case "alert.step":
			if e.Detail["users"] != officer.ID {
				t.Errorf("alert step paged %q, want the officer %s", e.Detail["users"], officer.ID)
			}
		case "alert.page":
			if e.Detail["user"] != officer.ID || e.Detail["outcome"] != "sent" {
				t.Errorf("alert page: got %+v, want sent to the officer", e.Detail)
			}
		case "alert.acknowledged":
			if e.ActorName == "" {
				t.Errorf("acknowledgement without the officer's name: %+v", e)
			}
			if e.Actor != officer.ID || e.Detail["secondsToAcknowledge"] != "2" {
				t.Errorf("acknowledged: got %+v, want by the officer after 2 s", e)
			}
		}
	}
	raw := string(app.Get(t, "/v1/cases/"+id+"/history", officer.Token).Body)
	for _, marker := range []string{"marker-h1st", "marker-msg1", "marker-msg2"} {
		if strings.Contains(raw, marker) {
			t.Errorf("the history holds text %q", marker)
		}
	}
	for _, who := range []string{"forceB/officer", "forceB/supervisor"} {
		if res := app.Get(t, "/v1/cases/"+id+"/history", w.Staff[who].Token); res.Status != http.StatusNotFound {
			t.Errorf("%s reading the history: got %d, want 404", who, res.Status)
		}
	}
	if res := app.Get(t, "/v1/cases/"+id+"/history?limit=0", officer.Token); res.Status != http.StatusBadRequest {
		t.Errorf("limit=0: got %d, want 400", res.Status)
	}
}

// The history pages with cursor: two pages of two hold the first four
// entries, in order, and nothing twice.
func TestCaseHistoryPages(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	w := app.NewWorld(t)
	officer := w.Who(t, "forceA/officer")
	var ans reportAnswer
	postReport(t, app, freshKey(), routineReport(w.ForceA.Code, "someone online"), nil).Decode(t, &ans)
	id := caseOf(t, app, ans.Reference)
	for range 4 {
		app.Get(t, "/v1/cases/"+id, officer.Token)
	}
	all := timeline(t, app, officer.Token, id)
	if len(all) < 4 {
		t.Fatalf("got %d entries, want at least 4", len(all))
	}
	var paged []int64
	cursor := ""
	for range 2 {
		var page struct {
			Items []historyEntry
			Next  string
		}
		app.Get(t, "/v1/cases/"+id+"/history?limit=2"+cursor, officer.Token).Decode(t, &page)
		for _, e := range page.Items {
			paged = append(paged, e.Seq)
		}
		cursor = "&cursor=" + page.Next
	}
	for i := range 4 {
		if paged[i] != all[i].Seq {
			t.Fatalf("paged seqs %v, want the first four of %v", paged, all)
		}
	}
}

func isSubsequence(want, got []string) bool {
	i := 0
	for _, g := range got {
		if i < len(want) && g == want[i] {
			i++
		}
	}
	return i == len(want)
}
