package reports

import (
	"context"
	"fmt"
	"testing"
)

// The queue summary says which urgent reports arrived in a flood, in the
// open queue (from the queue entries) and in the closed view (from the
// cases).
func TestQueueSummaryCarriesTheFloodKind(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	const n = DefaultFloodPerNetwork + 1
	subs := make([]Submission, n)
	for i := range n {
		var err error
		if subs[i], err = e.store.SubmitFrom(ctx, newKey(), urgentReport(fmt.Sprint("report ", i)), "net-1"); err != nil {
			t.Fatal(err)
		}
	}
	calm, flooded := subs[0], subs[n-1]
	open, err := e.store.Queue(officerA(), QueueFilter{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]FloodKind{}
	for _, c := range open.Cases {
		got[c.ID] = c.Flood
	}
	if got[calm.CaseID] != "" || got[flooded.CaseID] != FloodNetwork {
		t.Errorf("open queue: flood of the first %q, of the last %q; want none and %q", got[calm.CaseID], got[flooded.CaseID], FloodNetwork)
	}
	if _, err := e.store.SetStatus(officerA(), flooded.CaseID, StatusChange{Status: StatusClosed, Disposition: DispositionDuplicate}); err != nil {
		t.Fatal(err)
	}
	closed, err := e.store.Queue(officerA(), QueueFilter{Status: StatusClosed})
	if err != nil {
		t.Fatal(err)
	}
	if len(closed.Cases) != 1 || closed.Cases[0].ID != flooded.CaseID || closed.Cases[0].Flood != FloodNetwork {
		t.Errorf("closed view: got %+v, want the flooded case with flood %q", closed.Cases, FloodNetwork)
	}
}
