package reports

import (
	"errors"
	"testing"
	"time"

	"speaksafe/errkind"
)

func TestQueueOrderFiltersAndPages(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var want []string // urgent oldest first, then routine oldest first
	var urgent, routineIDs []string
	for i := range 7 {
		e.clock.Advance(time.Minute)
		if i%3 == 0 {
			urgent = append(urgent, e.submit(t, urgentReport("u")).CaseID)
		} else {
			routineIDs = append(routineIDs, e.submit(t, routine("r")).CaseID)
		}
	}
	other := e.submit(t, Report{ForceCode: "CD", Category: CategorySomethingElse, WhatHappened: "other force"})
	want = append(append(want, urgent...), routineIDs...)

	var got []string
	cursor := ""
	for pages := 0; ; pages++ {
		page, err := e.store.Queue(officerA(), QueueFilter{Limit: 3, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range page.Cases {
			got = append(got, c.ID)
		}
		if page.NextCursor == "" {
			break
		}
		cursor = page.NextCursor
		if pages > 10 {
			t.Fatal("pagination does not end")
		}
	}
	if len(got) != len(want) {
		t.Fatalf("queue: got %d cases, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("position %d: got %s, want %s", i, got[i], want[i])
		}
		if got[i] == other.CaseID {
			t.Error("another force's case is in the queue")
		}
	}

	if _, err := e.store.SetStatus(officerA(), routineIDs[0], StatusChange{Status: StatusClosed, Disposition: DispositionDuplicate}); err != nil {
		t.Fatal(err)
	}
	open, _ := e.store.Queue(officerA(), QueueFilter{})
	closed, _ := e.store.Queue(officerA(), QueueFilter{Status: StatusClosed})
	cat, _ := e.store.Queue(officerA(), QueueFilter{Category: CategoryGiftsOrMoney, Status: StatusNew})
	if len(open.Cases) != 6 || len(closed.Cases) != 1 || closed.Cases[0].ID != routineIDs[0] || len(cat.Cases) != 6 {
		t.Errorf("filters: open %d closed %d gifts+new %d; want 6, 1, 6", len(open.Cases), len(closed.Cases), len(cat.Cases))
	}
	for _, bad := range []QueueFilter{{Status: "lost"}, {Category: "x"}, {Limit: 101}, {Cursor: "!!"}} {
		if _, err := e.store.Queue(officerA(), bad); fields(err) == nil {
			t.Errorf("filter %+v: got %v, want a validation error", bad, err)
		}
	}
	if _, err := e.store.Queue(officerB(), QueueFilter{}); err != nil && !errors.Is(err, errkind.NotFound) {
		t.Errorf("other force queue: %v", err)
	}
}
