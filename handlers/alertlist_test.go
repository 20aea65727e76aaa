package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"speaksafe/apptest"
)

type alertPage struct {
	Items []alertBody
	Next  string
}

// listAllAlerts pages through GET /v1/alerts with limit, returning every
// alert id in order and how many pages it took.
func listAllAlerts(t *testing.T, app *apptest.App, token string, limit int) ([]string, int) {
	t.Helper()
	var ids []string
	cursor := ""
	for pages := 1; pages <= 100; pages++ {
		path := fmt.Sprintf("/v1/alerts?limit=%d", limit)
		if cursor != "" {
			path += "&cursor=" + url.QueryEscape(cursor)
		}
		res := app.Get(t, path, token)
		if res.Status != http.StatusOK {
			t.Fatalf("GET %s: got %d; %s", path, res.Status, res.Body)
		}
		var p alertPage
		res.Decode(t, &p)
		if len(p.Items) > limit {
			t.Fatalf("GET %s: %d alerts, more than the limit", path, len(p.Items))
		}
		for _, a := range p.Items {
			ids = append(ids, a.ID)
		}
		if p.Next == "" {
			return ids, pages
		}
		cursor = p.Next
	}
	t.Fatalf("the alert list never ended")
	return nil, 0
}

func voidAlert(t *testing.T, app *apptest.App, id string) {
	t.Helper()
	_, err := app.DB.Collection("alerts").UpdateOne(context.Background(), bson.D{{Key: "_id", Value: id}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "state", Value: "voided"}}}})
	if err != nil {
		t.Fatal(err)
	}
}

// The alert list pages newest first through a cursor, lists only the
// caller's force's alerts and never a voided one, and refuses a cursor it
// did not produce.
func TestAlertListPagesNewestFirstWithinTheForce(t *testing.T) {
	t.Parallel()
	app := apptest.New(t, apptest.WithoutWorkers())
	w := app.NewWorld(t)
	engine, ctx := app.AlertEngine(), context.Background()
	at := time.Now().UTC()
	var wantA, wantB []string
	for i := range 9 {
		id := fmt.Sprintf("list-a-%02d", i)
		if err := engine.Open(ctx, id, w.ForceA.ID, at.Add(time.Duration(i)*time.Second)); err != nil {
			t.Fatal(err)
		}
		if i == 4 {
			voidAlert(t, app, id)
		} else {
			wantA = append(wantA, id)
		}
		if i%3 == 0 {
			id := fmt.Sprintf("list-b-%02d", i)
			if err := engine.Open(ctx, id, w.ForceB.ID, at); err != nil {
				t.Fatal(err)
			}
			wantB = append(wantB, id)
		}
	}
	// A retried submission opens its alert again: still listed once.
	if err := engine.Open(ctx, "list-a-02", w.ForceA.ID, at); err != nil {
		t.Fatal(err)
	}
	slices.Reverse(wantA)
	slices.Reverse(wantB)

	officerA := w.Staff["forceA/officer"].Token
	got, pages := listAllAlerts(t, app, officerA, 3)
	if !slices.Equal(got, wantA) {
		t.Errorf("force A's list: got %v, want %v", got, wantA)
	}
	if pages < 3 {
		t.Errorf("8 alerts 3 a page came in %d pages", pages)
	}
	if got, _ := listAllAlerts(t, app, w.Staff["forceB/officer"].Token, 2); !slices.Equal(got, wantB) {
		t.Errorf("force B's list: got %v, want %v", got, wantB)
	}
	var first alertPage
	app.Get(t, "/v1/alerts", officerA).Decode(t, &first)
	if len(first.Items) != len(wantA) || first.Next != "" {
		t.Errorf("without limit or cursor: got %d alerts and next %q, want all %d and no next", len(first.Items), first.Next, len(wantA))
	}

	for _, bad := range []string{"x", "m0", "m01", "o-1", "m", "m99999", "m1.5", strings.Repeat("9", 30), "m1%00"} {
		res := app.Get(t, "/v1/alerts?cursor="+url.QueryEscape(bad), officerA)
		if res.Status != http.StatusBadRequest || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/problem+json") {
			t.Errorf("cursor %q: got %d %s, want 400 problem+json", bad, res.Status, res.Header.Get("Content-Type"))
		}
	}
}

// Alerts stored before the list slots existed are listed once each, after
// every alert opened since, newest first, even when two instances start
// (and list them) at once.
func TestAlertListListsAlertsStoredBeforeItsSlots(t *testing.T) {
	t.Parallel()
	app := apptest.New(t, apptest.WithoutWorkers())
	w := app.NewWorld(t)
	ctx := context.Background()
	// The store as an earlier version left it: alerts, and no list slots.
	for _, c := range []string{"alert_list_slots", "alert_listed", "alert_list_heads"} {
		if err := app.DB.Collection(c).Drop(ctx); err != nil {
			t.Fatal(err)
		}
	}
	long := time.Now().UTC().Add(-30 * 24 * time.Hour)
	var oldA []string
	for i := range 7 {
		id := fmt.Sprintf("old-a-%02d", i)
		state := "acknowledged"
		if i == 3 {
			state = "voided"
		} else {
			oldA = append(oldA, id)
		}
		old := bson.D{{Key: "_id", Value: id}, {Key: "forceId", Value: w.ForceA.ID}, {Key: "policyId", Value: ""},
			{Key: "openedAt", Value: long.Add(time.Duration(i) * time.Hour)}, {Key: "caseConfirmed", Value: true},
			{Key: "state", Value: state}, {Key: "step", Value: 0}, {Key: "tier", Value: 0}, {Key: "round", Value: 0},
			{Key: "pagesSent", Value: 1}, {Key: "gaps", Value: 0}}
		if _, err := app.DB.Collection("alerts").InsertOne(ctx, old); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := app.DB.Collection("alerts").InsertOne(ctx, bson.D{{Key: "_id", Value: "old-b"},
		{Key: "forceId", Value: w.ForceB.ID}, {Key: "openedAt", Value: long}, {Key: "state", Value: "open"}}); err != nil {
		t.Fatal(err)
	}
	slices.Reverse(oldA)

	// This instance lists them while a second one starts (its set-up
	// lists them too).
	var wg sync.WaitGroup
	var backfillErr error
	wg.Go(func() { _, backfillErr = app.AlertEngine().BackfillList(ctx) })
	second := secondInstance(t, app)
	wg.Wait()
	if backfillErr != nil {
		t.Fatal(backfillErr)
	}
	for _, id := range []string{"new-a-1", "new-a-2"} {
		if err := second.AlertEngine().Open(ctx, id, w.ForceA.ID, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	want := append([]string{"new-a-2", "new-a-1"}, oldA...)
	officerA := w.Staff["forceA/officer"].Token
	for _, limit := range []int{2, 100} {
		if got, _ := listAllAlerts(t, app, officerA, limit); !slices.Equal(got, want) {
			t.Errorf("limit %d: got %v, want %v", limit, got, want)
		}
	}
	if got, _ := listAllAlerts(t, second, w.Staff["forceB/officer"].Token, 5); !slices.Equal(got, []string{"old-b"}) {
		t.Errorf("force B: got %v, want [old-b]", got)
	}
	// Later start-ups list nothing again.
	for range 2 {
		if n, err := second.AlertEngine().BackfillList(ctx); err != nil || n != 0 {
			t.Errorf("backfill again: listed %d (%v), want 0", n, err)
		}
	}
	if got, _ := listAllAlerts(t, second, officerA, 3); !slices.Equal(got, want) {
		t.Errorf("after start-ups: got %v, want %v", got, want)
	}
}
