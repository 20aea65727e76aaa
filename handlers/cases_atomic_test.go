package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"speaksafe/apptest"
	"speaksafe/server"
)

// secondInstance builds another app on a's database with a's secrets, as a
// second server of one deployment.
func secondInstance(t *testing.T, a *apptest.App) *apptest.App {
	t.Helper()
	return apptest.New(t, apptest.WithDatabase(a.DB), apptest.WithoutWorkers(), apptest.WithConfig(func(c *server.Config) {
		c.JWTSigningKeys, c.DataKeys = a.Cfg.JWTSigningKeys, a.Cfg.DataKeys
		c.RateLimitSecret, c.WebhookSecret = a.Cfg.RateLimitSecret, a.Cfg.WebhookSecret
	}))
}

// caseOp is one request of the race and the answers it may get.
type caseOp struct {
	req  apptest.Request
	app  *apptest.App
	ok   []int
	kind string // "close", "message", "reporter", "note" or ""
	body string
}

// raceOps builds n conflicting changes of case id, spread over apps.
func raceOps(apps []*apptest.App, id, officer, supervisor, reporter string, n int) []caseOp {
	path := "/v1/cases/" + id
	ops := make([]caseOp, 0, n)
	for i := range n {
		token := []string{officer, supervisor}[i/2%2]
		op := caseOp{app: apps[i%len(apps)]}
		switch i % 10 {
		case 0:
			op.req, op.ok = apptest.Request{Method: http.MethodPost, Path: path + "/status", Token: token, Body: map[string]string{"status": "acknowledged"}}, []int{200, 409}
		case 1:
			op.req, op.ok = apptest.Request{Method: http.MethodPost, Path: path + "/status", Token: token, Body: map[string]string{"status": "in_progress"}}, []int{200, 409}
		case 2:
			op.kind, op.ok = "close", []int{200, 409}
			op.req = apptest.Request{Method: http.MethodPost, Path: path + "/status", Token: token,
				Body: map[string]string{"status": "closed", "disposition": "advice_given", "outcome": fmt.Sprintf("outcome %d", i)}}
		case 3, 4:
			op.kind, op.body, op.ok = "message", fmt.Sprintf("staff message %d", i), []int{201}
			op.req = apptest.Request{Method: http.MethodPost, Path: path + "/messages", Token: token, Body: map[string]string{"body": op.body}}
		case 5, 6:
			op.kind, op.body, op.ok = "note", fmt.Sprintf("note %d", i), []int{201}
			op.req = apptest.Request{Method: http.MethodPost, Path: path + "/notes", Token: token, Body: map[string]string{"body": op.body}}
		case 7:
			op.req, op.ok = apptest.Request{Method: http.MethodPut, Path: path + "/assignment", Token: token, Body: map[string]string{"userId": ""}}, []int{204}
		case 8:
			op.kind, op.body, op.ok = "reporter", fmt.Sprintf("reporter message %d", i), []int{201, 409}
			op.req = apptest.Request{Method: http.MethodPost, Path: "/v1/reporter/case/messages", Token: reporter, Body: map[string]string{"body": op.body}}
		default:
			op.req, op.ok = apptest.Request{Method: http.MethodGet, Path: path, Token: token}, []int{200}
		}
		ops = append(ops, op)
	}
	return ops
}

// runAtOnce sends every op at once and answers each op's status.
func runAtOnce(t *testing.T, ops []caseOp) []int {
	t.Helper()
	statuses := make([]int, len(ops))
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, op := range ops {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			res := op.app.Do(t, op.req)
			statuses[i] = res.Status
			if !slices.Contains(op.ok, res.Status) {
				t.Errorf("%s %s: got %d, want one of %v; %s", op.req.Method, op.req.Path, res.Status, op.ok, res.Body)
			}
		}()
	}
	close(start)
	wg.Wait()
	return statuses
}

type storedEvent struct {
	Version int64 `bson:"version"`
	State   struct {
		Status      string `bson:"status"`
		Disposition string `bson:"disposition"`
		ClosedBy    string `bson:"closedBy"`
	} `bson:"state"`
}

// caseHistory reads every claimed version of case id, oldest first.
func caseHistory(t *testing.T, app *apptest.App, id string) []storedEvent {
	t.Helper()
	cur, err := app.DB.Collection("case_events").Find(context.Background(), bson.D{{Key: "caseId", Value: id}})
	if err != nil {
		t.Fatal(err)
	}
	var evs []storedEvent
	if err := cur.All(context.Background(), &evs); err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(evs, func(a, b storedEvent) int { return int(a.Version - b.Version) })
	return evs
}

var statusRank = map[string]int{"new": 1, "acknowledged": 2, "in_progress": 3, "closed": 4}

// wantForwardOnly checks that the versions of a case are 1..n without a
// gap and that its status never moved back nor lost its closing.
func wantForwardOnly(t *testing.T, evs []storedEvent) {
	t.Helper()
	rank := 1
	for i, ev := range evs {
		if ev.Version != int64(i+1) {
			t.Fatalf("versions: got %d at position %d, want %d", ev.Version, i, i+1)
		}
		r := statusRank[ev.State.Status]
		if r < rank {
			t.Errorf("version %d moved the case back to %s", ev.Version, ev.State.Status)
		}
		if ev.State.Status == "closed" && (ev.State.Disposition == "" || ev.State.ClosedBy == "") {
			t.Errorf("version %d is closed without a disposition or closer: %+v", ev.Version, ev.State)
		}
		rank = max(rank, r)
	}
}

type raceCase struct {
	Status      string `json:"status"`
	Disposition string `json:"disposition"`
	Outcome     string `json:"outcome"`
	ClosedBy    string `json:"closedBy"`
	Messages    []struct {
		Body string `json:"body"`
	} `json:"messages"`
	Notes []struct {
		Body string `json:"body"`
	} `json:"notes"`
}

// wantEveryEntry checks that every message and note that was answered 201
// is in the case exactly once, and nothing else is.
func wantEveryEntry(t *testing.T, got raceCase, ops []caseOp, statuses []int) {
	t.Helper()
	count := func(bodies []string, want string) int {
		n := 0
		for _, b := range bodies {
			if b == want {
				n++
			}
		}
		return n
	}
	var messages, notes []string
	for _, m := range got.Messages {
		messages = append(messages, m.Body)
	}
	for _, n := range got.Notes {
		notes = append(notes, n.Body)
	}
	wantMessages, wantNotes := 0, 0
	for i, op := range ops {
		if statuses[i] != http.StatusCreated {
			continue
		}
		list := messages
		if op.kind == "note" {
			list, wantNotes = notes, wantNotes+1
		} else {
			wantMessages++
		}
		if c := count(list, op.body); c != 1 {
			t.Errorf("%q is in the case %d times, want once", op.body, c)
		}
	}
	if len(messages) != wantMessages || len(notes) != wantNotes {
		t.Errorf("case holds %d messages and %d notes, want %d and %d", len(messages), len(notes), wantMessages, wantNotes)
	}
}

// Two instances on one database, 50 conflicting changes of one case at
// once (acknowledge, start, close, message, note, unassign, the child's
// messages, opens): one close wins and the others are told the case is
// closed, the status never moves back, no message or note answered 201 is
// lost, and the queue agrees with the case.
func TestCaseChangesAreAtomicAcrossInstances(t *testing.T) {
	t.Parallel()
	a := apptest.New(t)
	b := secondInstance(t, a)
	w := a.NewWorld(t)
	officer, supervisor := w.Who(t, "forceA/officer"), w.Who(t, "forceA/supervisor")
	var ans reportAnswer
	postReport(t, a, freshKey(), routineReport(w.ForceA.Code, "raced case"), nil).Decode(t, &ans)
	id := caseOf(t, a, ans.Reference)
	ops := raceOps([]*apptest.App{a, b}, id, officer.Token, supervisor.Token, reporterToken(t, a, ans), 50)
	statuses := runAtOnce(t, ops)

	closes := 0
	for i, op := range ops {
		if op.kind == "close" && statuses[i] == http.StatusOK {
			closes++
		}
	}
	if closes != 1 {
		t.Errorf("%d of the close requests succeeded, want exactly 1", closes)
	}
	wantForwardOnly(t, caseHistory(t, a, id))
	for _, app := range []*apptest.App{a, b} {
		res := app.Get(t, "/v1/cases/"+id, officer.Token)
		var got raceCase
		res.Decode(t, &got)
		if got.Status != "closed" || got.Disposition != "advice_given" || !strings.HasPrefix(got.Outcome, "outcome ") || got.ClosedBy == "" {
			t.Errorf("final case: status %q disposition %q outcome %q closed by %q, want closed with all of them",
				got.Status, got.Disposition, got.Outcome, got.ClosedBy)
		}
		wantEveryEntry(t, got, ops, statuses)
		if q := app.Get(t, "/v1/cases", officer.Token); strings.Contains(string(q.Body), ans.Reference) {
			t.Error("the closed case is still in the open queue")
		}
		q := app.Get(t, "/v1/cases?status=closed", officer.Token)
		if !strings.Contains(string(q.Body), ans.Reference) {
			t.Errorf("closed queue lacks the case: %s", q.Body)
		}
	}
}

// A case is assigned only to an active officer or supervisor of its force
// (the app's real check, over HTTP): a disabled officer, an officer of
// another force, school staff, the force's safeguarding lead and an
// unknown id are refused with 400 and leave the assignment as it was.
func TestAssignOnlyToActiveHandlersOfTheForce(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	w := app.NewWorld(t)
	officer := w.Who(t, "forceA/officer")
	var ans reportAnswer
	postReport(t, app, freshKey(), routineReport(w.ForceA.Code, "assignment"), nil).Decode(t, &ans)
	id := caseOf(t, app, ans.Reference)
	disabled := app.Staff(t, "officer", w.ForceA.ID)
	if res := app.Do(t, apptest.Request{Method: http.MethodPatch, Path: "/v1/users/" + disabled.ID, Token: w.Admin.Token,
		Body: map[string]any{"disabled": true}}); res.Status != http.StatusOK {
		t.Fatalf("disable the officer: got %d; %s", res.Status, res.Body)
	}
	assign := func(userID string) *apptest.Response {
		return app.Do(t, apptest.Request{Method: http.MethodPut, Path: "/v1/cases/" + id + "/assignment", Token: officer.Token,
			Body: map[string]string{"userId": userID}})
	}
	supervisor := w.Who(t, "forceA/supervisor").ID
	if res := assign(supervisor); res.Status != http.StatusNoContent {
		t.Fatalf("assign to the force's supervisor: got %d; %s", res.Status, res.Body)
	}
	for name, userID := range map[string]string{
		"a disabled officer of the force":  disabled.ID,
		"an officer of another force":      w.Who(t, "forceB/officer").ID,
		"a supervisor of another force":    w.Who(t, "forceB/supervisor").ID,
		"school staff in the force's area": w.Who(t, "schoolA/school_staff").ID,
		"the force's school staff":         w.Who(t, "forceA/school_staff").ID,
		"the force's safeguarding lead":    w.Who(t, "forceA/safeguarding_lead").ID,
		"an admin":                         w.Admin.ID,
		"nobody":                           "no-such-user",
	} {
		res := assign(userID)
		if res.Status != http.StatusBadRequest || !strings.Contains(string(res.Body), "userId") {
			t.Errorf("assign to %s: got %d %s, want 400 naming userId", name, res.Status, res.Body)
		}
	}
	var got struct {
		AssignedTo string `json:"assignedTo"`
	}
	app.Get(t, "/v1/cases/"+id, officer.Token).Decode(t, &got)
	if got.AssignedTo != supervisor {
		t.Errorf("after the refusals the case is assigned to %q, want the supervisor %q", got.AssignedTo, supervisor)
	}
}

// The closed view of the queue pages with a cursor: every closed case of
// the force exactly once, urgent first then oldest, never another force's
// case or an open one, and a cursor that is not ours is a 400.
func TestClosedQueuePagesWithCursor(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	w := app.NewWorld(t)
	officer, other := w.Who(t, "forceA/officer"), w.Who(t, "forceB/officer")
	closeCase := func(code, text string, urgent bool, who apptest.StaffUser) string {
		body := routineReport(code, text)
		if urgent {
			body["answers"] = map[string]any{"inDangerNow": true}
		}
		var ans reportAnswer
		postReport(t, app, freshKey(), body, nil).Decode(t, &ans)
		id := caseOf(t, app, ans.Reference)
		res := app.Post(t, "/v1/cases/"+id+"/status", who.Token, map[string]string{"status": "closed", "disposition": "duplicate"})
		if res.Status != http.StatusOK {
			t.Fatalf("close: got %d; %s", res.Status, res.Body)
		}
		return id
	}
	want := map[string]bool{}
	for i := range 5 {
		want[closeCase(w.ForceA.Code, fmt.Sprintf("closed %d", i), i == 3, officer)] = true
	}
	foreign := closeCase(w.ForceB.Code, "other force", false, other)
	var open reportAnswer
	postReport(t, app, freshKey(), routineReport(w.ForceA.Code, "still open"), nil).Decode(t, &open)

	type item struct {
		ID        string    `json:"id"`
		Urgent    bool      `json:"urgent"`
		Status    string    `json:"status"`
		CreatedAt time.Time `json:"createdAt"`
	}
	var seen []item
	next := ""
	for pages := 0; pages < 10; pages++ {
		res := app.Get(t, "/v1/cases?status=closed&limit=2&cursor="+next, officer.Token)
		if res.Status != http.StatusOK {
			t.Fatalf("closed page %d: got %d; %s", pages, res.Status, res.Body)
		}
		var page struct {
			Items []item `json:"items"`
			Next  string `json:"next"`
		}
		res.Decode(t, &page)
		if len(page.Items) > 2 {
			t.Errorf("page %d has %d items, limit 2", pages, len(page.Items))
		}
		seen = append(seen, page.Items...)
		if next = page.Next; next == "" {
			break
		}
	}
	if len(seen) != len(want) {
		t.Fatalf("closed queue gave %d cases over its pages, want %d: %+v", len(seen), len(want), seen)
	}
	for i, it := range seen {
		if !want[it.ID] || it.Status != "closed" || it.ID == foreign {
			t.Errorf("item %d: %+v is not one of the force's closed cases", i, it)
		}
		delete(want, it.ID)
		if i > 0 && !sortedQueueOrder(seen[i-1].Urgent, seen[i-1].CreatedAt, seen[i-1].ID, it.Urgent, it.CreatedAt, it.ID) {
			t.Errorf("items %d and %d are out of order: %+v then %+v", i-1, i, seen[i-1], it)
		}
	}
	if !seen[0].Urgent {
		t.Errorf("first closed case is not the urgent one: %+v", seen[0])
	}
	if res := app.Get(t, "/v1/cases?status=closed&cursor=not-a-cursor", officer.Token); res.Status != http.StatusBadRequest {
		t.Errorf("foreign cursor: got %d, want 400", res.Status)
	}
}

// sortedQueueOrder reports whether case a comes before case b in queue
// order: urgent first, then oldest, then by id.
func sortedQueueOrder(aUrgent bool, aAt time.Time, aID string, bUrgent bool, bAt time.Time, bID string) bool {
	if aUrgent != bUrgent {
		return aUrgent
	}
	if !aAt.Equal(bAt) {
		return aAt.Before(bAt)
	}
	return aID < bID
}
