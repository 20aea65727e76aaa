package reports

import (
	"context"
	"sync"
	"testing"
	"time"
)

// Reports naming one handle at the same moment each claim their own slot
// of its chain: every one of them is matched.
func TestReportsNamingOneHandleAtOnceAreAllMatched(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const n = 8
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := e.store.Submit(context.Background(), newKey(), naming("snapchat", "same_adult")); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if got := e.found(t, "snapchat", "same_adult"); got != n {
		t.Errorf("found %d cases naming the handle, want %d", got, n)
	}
}

// Retention deletes the first case naming a handle; the cases named after
// it are still matched, and the deleted one no longer is.
func TestRetentionOfTheFirstCaseKeepsTheLaterOnesMatched(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	first := e.submit(t, naming("snapchat", "same_adult"))
	if _, err := e.store.SetStatus(officerA(), first.CaseID, StatusChange{Status: StatusClosed, Disposition: DispositionAdviceGiven}); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(91 * 24 * time.Hour)
	later := []Submission{e.submit(t, naming("snapchat", "same_adult")), e.submit(t, naming("snapchat", "@Same_Adult"))}
	if res, err := e.store.Sweep(ctx, e.clock.Now(), time.Hour); err != nil || res.Cases != 1 {
		t.Fatalf("sweep: %+v, %v; want the first case deleted", res, err)
	}
	m, err := e.store.CasesByHandle(officerA(), "snapchat", "same_adult", 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.InForce) != len(later) {
		t.Fatalf("found %d cases after retention, want the %d later ones", len(m.InForce), len(later))
	}
	for _, c := range m.InForce {
		if c.ID == first.CaseID {
			t.Error("the deleted case is still matched")
		}
	}
	rel, err := e.store.RelatedCases(officerA(), later[0].CaseID)
	if err != nil || len(rel.InForce) != 1 || rel.InForce[0].ID != later[1].CaseID {
		t.Errorf("related to the second case: %+v, %v; want only the third", rel.InForce, err)
	}
}
