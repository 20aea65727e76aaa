package reports

import (
	"slices"
)

// The copy of the open queue (queueview.go) keeps, besides the entries by
// case id, each force's open entries in queue order, so that a page reads
// the page and not the force's whole queue: a change moves one key in its
// force's order (a binary search and a copy of the slice's tail), and a
// page starts at its cursor by binary search.
//
// The order is the queue's as if no alert were unacknowledged: which cases
// are on top for that reason is known only at the read (a marker is a hint
// that the alert's state decides, queueorder.go), so a page puts those
// first, sorted among themselves, and leaves them out of the rest.

// forceOrder is one force's open entries' keys, sorted by compareKeys,
// each with Unacked false.
type forceOrder []queueKey

// setEntry puts entry e of case id in the copy, or removes the case when e
// is nil, keeping its force's order. The caller holds v.mu.
func (v *queueView) setEntry(id string, e *queueEntry) {
	if old, ok := v.entries[id]; ok {
		v.unorder(&old)
		delete(v.entries, id)
	}
	if e == nil {
		return
	}
	v.entries[id] = *e
	if e.Status == StatusClosed {
		return
	}
	k := keyOf(e, false)
	o := v.order[e.ForceID]
	i, _ := slices.BinarySearchFunc(o, k, compareKeys)
	v.order[e.ForceID] = slices.Insert(o, i, k)
}

// unorder takes entry e out of its force's order.
func (v *queueView) unorder(e *queueEntry) {
	o := v.order[e.ForceID]
	i, found := slices.BinarySearchFunc(o, keyOf(e, false), compareKeys)
	if !found {
		return
	}
	if o = slices.Delete(o, i, i+1); len(o) == 0 {
		delete(v.order, e.ForceID)
		return
	}
	v.order[e.ForceID] = o
}

// setAll replaces the copy's entries with entries, ordering each force's
// once. The caller holds v.mu.
func (v *queueView) setAll(entries []queueEntry) {
	v.entries = make(map[string]queueEntry, len(entries))
	v.order = map[string]forceOrder{}
	for i := range entries {
		e := &entries[i]
		v.entries[e.ID] = *e
		if e.Status != StatusClosed {
			v.order[e.ForceID] = append(v.order[e.ForceID], keyOf(e, false))
		}
	}
	for _, o := range v.order {
		slices.SortFunc(o, compareKeys)
	}
}

// queuePage is the filter of one page read from the copy.
type queuePage struct {
	forceID string
	filter  QueueFilter
	after   *queueKey       // the cursor's key; nil for the first page
	unacked map[string]bool // marked cases whose alert is unacknowledged now
}

// keyedSummary is a line of a page with its key, for the next cursor.
type keyedSummary struct {
	key queueKey
	sum CaseSummary
}

// page returns up to limit+1 lines of p in queue order (one more than
// the page, to tell whether there is a next one). The caller holds v.mu.
func (v *queueView) page(p queuePage) []keyedSummary {
	want := p.filter.Limit + 1
	out := v.unackedTop(p, want)
	o := v.order[p.forceID]
	start := 0
	if p.after != nil && !p.after.Unacked {
		var found bool
		if start, found = slices.BinarySearchFunc(o, *p.after, compareKeys); found {
			start++
		}
	}
	for _, k := range o[start:] {
		if len(out) == want {
			break
		}
		e, ok := v.entries[k.ID]
		if !ok || p.unacked[k.ID] || !p.matches(&e) {
			continue
		}
		out = append(out, keyedSummary{k, entrySummary(&e, false)})
	}
	return out
}

// unackedTop returns the force's cases whose alert is unacknowledged that
// p shows (they come first), sorted, at most want of them.
func (v *queueView) unackedTop(p queuePage, want int) []keyedSummary {
	var out []keyedSummary
	for id := range p.unacked {
		e, ok := v.entries[id]
		if !ok || e.ForceID != p.forceID || !p.matches(&e) {
			continue
		}
		k := keyOf(&e, true)
		if p.after != nil && compareKeys(k, *p.after) <= 0 {
			continue
		}
		out = append(out, keyedSummary{k, entrySummary(&e, true)})
	}
	slices.SortFunc(out, func(a, b keyedSummary) int { return compareKeys(a.key, b.key) })
	return out[:min(len(out), want)]
}

// matches reports whether entry e is open and passes p's filter.
func (p queuePage) matches(e *queueEntry) bool {
	f := p.filter
	return e.Status != StatusClosed && (f.Status == "" || e.Status == f.Status) && (f.Category == "" || e.Category == f.Category)
}
