package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"speaksafe/apptest"
	"speaksafe/audit"
	"speaksafe/fieldcrypt"
	"speaksafe/reports"
)

// queueClockStart is far from the wall clock, so that a rule decided with
// the wall clock instead of the app's clock would show.
var queueClockStart = time.Date(2031, 6, 2, 9, 0, 0, 0, time.UTC)

type queueItem struct {
	ID         string     `json:"id"`
	Reference  string     `json:"reference"`
	Urgent     bool       `json:"urgent"`
	MeetingAt  *time.Time `json:"meetingAt"`
	AlertState string     `json:"alertState"`
}

// readQueue pages through the open queue with limit and answers every item
// in order.
func readQueue(t *testing.T, app *apptest.App, token string, limit int) []queueItem {
	t.Helper()
	var all []queueItem
	cursor := ""
	for range 50 {
		path := fmt.Sprintf("/v1/cases?limit=%d", limit)
		if cursor != "" {
			path += "&cursor=" + cursor
		}
		res := app.Get(t, path, token)
		if res.Status != http.StatusOK {
			t.Fatalf("queue: got %d; %s", res.Status, res.Body)
		}
		var page struct {
			Items []queueItem `json:"items"`
			Next  string      `json:"next"`
		}
		res.Decode(t, &page)
		all = append(all, page.Items...)
		if page.Next == "" {
			return all
		}
		cursor = page.Next
	}
	t.Fatal("queue paging does not end")
	return nil
}

func references(items []queueItem) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.Reference
	}
	return out
}

// submitAt sends report body from its own network address after moving the
// app's clock on a minute, and answers its reference.
func submitAt(t *testing.T, app *apptest.App, n int, body map[string]any) string {
	t.Helper()
	app.Clock.Advance(time.Minute)
	res := postReport(t, app, freshKey(), body, map[string]string{"X-Forwarded-For": fmt.Sprintf("198.51.100.%d", n)})
	if res.Status != http.StatusCreated {
		t.Fatalf("report %d: got %d; %s", n, res.Status, res.Body)
	}
	var ans reportAnswer
	res.Decode(t, &ans)
	return ans.Reference
}

func reportWith(force, category string, answers map[string]any) map[string]any {
	b := map[string]any{"forceCode": force, "category": category, "whatHappened": "queue order"}
	if answers != nil {
		b["answers"] = answers
	}
	return b
}

// The queue lists in danger / happening now first, then planned meetings
// soonest first, then other urgent cases, then routine ones oldest first;
// paging one or three at a time gives the same order as one page.
func TestQueueOrdersBySeverityThenTime(t *testing.T) {
	t.Parallel()
	app := apptest.New(t, apptest.WithClock(apptest.NewClock(queueClockStart)), apptest.WithConfig(trustTestProxy))
	w := app.NewWorld(t)
	officer := w.Who(t, "forceA/officer")
	f := w.ForceA.Code
	meet := func(in time.Duration, band string) map[string]any {
		a := map[string]any{"meetingPlanned": true, "ageBand": band}
		if in != 0 {
			a["meetingAt"] = queueClockStart.Add(in).Format(time.RFC3339)
		}
		return a
	}
	routineOld := submitAt(t, app, 1, reportWith(f, "gifts_or_money", nil))
	threats := submitAt(t, app, 2, reportWith(f, "threats_to_share_images", nil))
	meetingIn10Days := submitAt(t, app, 3, reportWith(f, "adult_wants_to_meet", meet(10*24*time.Hour, "11-13")))
	dangerNow := submitAt(t, app, 4, reportWith(f, "something_else", map[string]any{"inDangerNow": true}))
	meetingTomorrow := submitAt(t, app, 5, reportWith(f, "gifts_or_money", meet(30*time.Hour, "14-17")))
	routineNew := submitAt(t, app, 6, reportWith(f, "sexual_messages", nil))
	happeningNow := submitAt(t, app, 7, reportWith(f, "sexual_messages", map[string]any{"happeningNow": true}))
	meetingNoTime := submitAt(t, app, 8, reportWith(f, "adult_wants_to_meet", meet(0, "14-17")))
	knowsWhere := submitAt(t, app, 9, reportWith(f, "adult_wants_to_meet", map[string]any{"knowsWhereILive": true}))
	farMeeting := submitAt(t, app, 10, reportWith(f, "gifts_or_money", meet(10*24*time.Hour, "14-17")))

	want := []string{dangerNow, happeningNow, meetingNoTime, meetingTomorrow, meetingIn10Days, threats, knowsWhere,
		routineOld, routineNew, farMeeting}
	for _, limit := range []int{100, 3, 1} {
		got := readQueue(t, app, officer.Token, limit)
		if !slices.Equal(references(got), want) {
			t.Errorf("limit %d: got order %v, want %v", limit, references(got), want)
		}
	}
	got := readQueue(t, app, officer.Token, 100)
	byRef := map[string]queueItem{}
	for _, it := range got {
		byRef[it.Reference] = it
	}
	if m := byRef[meetingTomorrow].MeetingAt; m == nil || !m.Equal(queueClockStart.Add(30*time.Hour)) {
		t.Errorf("meeting time shown: got %v, want %v", m, queueClockStart.Add(30*time.Hour))
	}
	if byRef[farMeeting].Urgent {
		t.Error("a meeting in 10 days with a 14-17-year-old is urgent; want routine (beyond 72 hours, over 13)")
	}
	if !byRef[meetingTomorrow].Urgent || !byRef[meetingIn10Days].Urgent {
		t.Error("a meeting in 30 hours, or in 10 days with an 11-13-year-old, is not urgent")
	}
}

// alertStateStore is the reports store the alert engine writes alert
// states through, over the app's database.
func alertStateStore(t *testing.T, app *apptest.App) *reports.Store {
	t.Helper()
	keys, err := fieldcrypt.Parse(app.Cfg.DataKeys)
	if err != nil {
		t.Fatal(err)
	}
	s, err := reports.NewStore(app.DB, reports.Config{
		Keys:     keys,
		Forces:   reports.ForcesFunc(func(context.Context, string) (string, error) { return "", nil }),
		Audit:    audit.RecorderFunc(func(context.Context, audit.Entry) error { return nil }),
		Limiter:  allowAll{},
		Handlers: reports.HandlersFunc(func(context.Context, string, string) (bool, error) { return false, nil }),
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

type allowAll struct{}

func (allowAll) Allow(context.Context, string, string, int, time.Duration) (bool, time.Duration, error) {
	return true, 0, nil
}

func (allowAll) Exceeded(context.Context, string, string, int, time.Duration) (bool, time.Duration, error) {
	return false, 0, nil
}

func (allowAll) Group(context.Context, string, string, time.Duration) (string, error) { return "", nil }

func (allowAll) Claim(context.Context, string, string, time.Duration) (int, error) { return 1, nil }

// A case whose alert ran out unacknowledged stays at the top of the queue,
// above even "in danger now", until someone acknowledges it; the queue
// shows each urgent case's alert state.
func TestQueueUnacknowledgedStaysOnTop(t *testing.T) {
	t.Parallel()
	app := apptest.New(t, apptest.WithClock(apptest.NewClock(queueClockStart)), apptest.WithConfig(trustTestProxy))
	w := app.NewWorld(t)
	officer := w.Who(t, "forceA/officer")
	f := w.ForceA.Code
	dangerNow := submitAt(t, app, 1, reportWith(f, "something_else", map[string]any{"inDangerNow": true}))
	threats := submitAt(t, app, 2, reportWith(f, "threats_to_share_images", nil))
	routine := submitAt(t, app, 3, reportWith(f, "gifts_or_money", nil))
	threatsID := caseOf(t, app, threats)
	states := alertStateStore(t, app)
	ctx := context.Background()
	if err := states.SetAlertState(ctx, threatsID, reports.AlertUnacknowledged, app.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	for _, limit := range []int{10, 1} {
		got := readQueue(t, app, officer.Token, limit)
		if want := []string{threats, dangerNow, routine}; !slices.Equal(references(got), want) {
			t.Fatalf("limit %d: got %v, want %v (unacknowledged on top)", limit, references(got), want)
		}
		if got[0].AlertState != "unacknowledged" || got[2].AlertState != "" {
			t.Errorf("alert states: got %q and %q, want unacknowledged and none for routine", got[0].AlertState, got[2].AlertState)
		}
	}
	if err := states.SetAlertState(ctx, threatsID, reports.AlertAcknowledged, app.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	got := readQueue(t, app, officer.Token, 10)
	if want := []string{dangerNow, threats, routine}; !slices.Equal(references(got), want) {
		t.Fatalf("after acknowledgement: got %v, want %v", references(got), want)
	}
	if got[1].AlertState != "acknowledged" {
		t.Errorf("alert state after acknowledgement: got %q, want acknowledged", got[1].AlertState)
	}
	// A later engine write of another state does not undo the acknowledgement.
	if err := states.SetAlertState(ctx, threatsID, reports.AlertUnacknowledged, app.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	if got := readQueue(t, app, officer.Token, 10); got[0].Reference != dangerNow {
		t.Errorf("an acknowledged alert went back to the top: %v", references(got))
	}
}

// A cursor of one view is refused by the other, with a 400 that changes nothing.
func TestQueueCursorBelongsToItsView(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	w := app.NewWorld(t)
	officer := w.Who(t, "forceA/officer")
	for i := range 2 {
		submitAt(t, app, i, reportWith(w.ForceA.Code, "gifts_or_money", nil))
	}
	res := app.Get(t, "/v1/cases?limit=1", officer.Token)
	var page struct{ Next string }
	res.Decode(t, &page)
	if page.Next == "" {
		t.Fatal("no next cursor on a page of one of two")
	}
	if bad := app.Get(t, "/v1/cases?status=closed&cursor="+page.Next, officer.Token); bad.Status != http.StatusBadRequest {
		t.Errorf("open-queue cursor on the closed view: got %d, want 400", bad.Status)
	}
}
