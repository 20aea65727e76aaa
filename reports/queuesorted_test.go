package reports

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// The copy's per-force order, kept up to date change by change, pages
// exactly as sorting the force's entries at each read would (the queue's
// behaviour before the order was kept): the same cases in the same order,
// page after page by cursor, for every filter, with cases on top whose
// alert is unacknowledged, after any sequence of writes, moves between
// severities, closings and removals.
func TestQueueOrderPagesAsAFullSortWould(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(14, 4))
	v := &queueView{}
	v.setAll(nil)
	ids := make([]string, 60)
	for i := range ids {
		ids[i] = fmt.Sprintf("case-%02d", i)
	}
	for step := range 400 {
		id := ids[rng.IntN(len(ids))]
		if rng.IntN(6) == 0 {
			v.setEntry(id, nil)
		} else {
			e := randomEntry(rng, id)
			v.setEntry(id, &e)
		}
		if step%20 != 0 {
			continue
		}
		unacked := map[string]bool{}
		for range 3 {
			unacked[ids[rng.IntN(len(ids))]] = true
		}
		for _, f := range []QueueFilter{{Limit: 7}, {Limit: 4, Status: StatusNew}, {Limit: 5, Category: CategoryGiftsOrMoney}, {Limit: 100}} {
			got := walkPages(v, forceA, f, unacked)
			want := fullSort(v, forceA, f, unacked)
			if !slices.Equal(got, want) {
				t.Fatalf("step %d, filter %+v:\ngot  %v\nwant %v", step, f, got, want)
			}
		}
	}
}

func randomEntry(rng *rand.Rand, id string) queueEntry {
	base := time.Date(2025, 3, 10, 9, 0, 0, 0, time.UTC)
	e := queueEntry{ID: id, ForceID: []string{forceA, forceB}[rng.IntN(2)],
		Status:    []Status{StatusNew, StatusAcknowledged, StatusInProgress, StatusClosed}[rng.IntN(4)],
		Category:  []Category{CategoryGiftsOrMoney, CategoryAskedForImages}[rng.IntN(2)],
		CreatedAt: base.Add(time.Duration(rng.IntN(5)) * time.Minute)}
	switch rng.IntN(4) {
	case 0:
		e.Urgent, e.UrgentReasons = true, []Reason{ReasonInDangerNow}
	case 1:
		m := base.Add(time.Duration(rng.IntN(3)) * time.Hour)
		e.Urgent, e.UrgentReasons, e.MeetingAt = true, []Reason{ReasonMeetingSoon}, &m
	case 2:
		e.Urgent = true
	}
	return e
}

// walkPages reads every page of force's queue from the copy by cursor, as
// queueFromIndex does, and returns the case ids in order.
func walkPages(v *queueView, force string, f QueueFilter, unacked map[string]bool) []string {
	var out []string
	p := queuePage{forceID: force, filter: f, unacked: unacked}
	for {
		lines := v.page(p)
		for i, l := range lines {
			if i == f.Limit {
				break
			}
			out = append(out, l.sum.ID)
		}
		if len(lines) <= f.Limit {
			return out
		}
		k := lines[f.Limit-1].key
		p.after = &k
	}
}

// fullSort is the queue of force: every open entry passing f, sorted.
func fullSort(v *queueView, force string, f QueueFilter, unacked map[string]bool) []string {
	p := queuePage{forceID: force, filter: f}
	var keys []queueKey
	for _, e := range v.entries {
		if e.ForceID == force && p.matches(&e) {
			keys = append(keys, keyOf(&e, unacked[e.ID]))
		}
	}
	slices.SortFunc(keys, compareKeys)
	out := []string{}
	for _, k := range keys {
		out = append(out, k.ID)
	}
	if len(out) == 0 {
		return nil
	}
	return out
}
