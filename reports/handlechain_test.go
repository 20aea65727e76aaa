package reports

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
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

// Reports naming one handle at the same moment on two instances raise the
// signals as reports naming it one after another would: the repeat signal
// of the force where the threshold was reached, naming each of its reports,
// and the cross-force signal in both forces. Each report's check counts the
// chain it read while claiming its slot, so the last slot's check counts
// them all.
func TestReportsNamingOneHandleAtOnceOnTwoInstancesRaiseItsSignals(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	cfg := e.store.cfg
	cfg.HandleKeys = e.store.handleKeys // the instances share their keys
	other, err := NewStore(e.db, cfg)
	if err != nil {
		t.Fatal(err)
	}
	inForceA := make([]string, DefaultPatternReports)
	var forceBCase string
	var wg sync.WaitGroup
	for i := range DefaultPatternReports + 1 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st, r := e.store, naming("snapchat", "same_adult")
			if i%2 == 1 {
				st = other
			}
			if i == DefaultPatternReports {
				r.ForceCode = "CD"
			}
			sub, err := st.Submit(context.Background(), newKey(), r)
			if err != nil {
				t.Error(err)
				return
			}
			if i == DefaultPatternReports {
				forceBCase = sub.CaseID
			} else {
				inForceA[i] = sub.CaseID
			}
		}()
	}
	wg.Wait()
	signals := map[string]signalDoc{}
	cur, err := e.db.Collection(collSignals).Find(context.Background(), bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	var all []signalDoc
	if err := cur.All(context.Background(), &all); err != nil {
		t.Fatal(err)
	}
	for _, s := range all {
		signals[s.Kind+" "+s.ForceID] = s
	}
	repeat, ok := signals[PatternRepeat+" "+forceA]
	if !ok || !sameSet(repeat.CaseIDs, inForceA) {
		t.Errorf("repeat signal of force A: %+v (found %v), want one naming %v", repeat, ok, inForceA)
	}
	if _, ok := signals[PatternRepeat+" "+forceB]; ok {
		t.Error("a repeat signal in force B, which had one report")
	}
	if s, ok := signals[PatternCrossForce+" "+forceB]; !ok || !sameSet(s.CaseIDs, []string{forceBCase}) {
		t.Errorf("cross-force signal of force B: %+v (found %v), want one naming %s", s, ok, forceBCase)
	}
	if _, ok := signals[PatternCrossForce+" "+forceA]; !ok {
		t.Error("no cross-force signal in force A")
	}
}

func sameSet(a, b []string) bool {
	return len(a) == len(b) && !slices.ContainsFunc(a, func(x string) bool { return !slices.Contains(b, x) })
}
