package reports

import (
	"context"
	"errors"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"speaksafe/errkind"
)

// When the process is already storing as many routine reports as it may,
// another routine report is refused with a Retry-After, nothing stored, and
// the same report sent again later is stored once; an urgent report is
// taken at once all the while.
func TestBusyIntakeRefusesRoutineReportsButNeverUrgentOnes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	e.store.routine = newRoutineGate(1, time.Millisecond, e.clock.Now)
	leave, err := e.store.routine.enter(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cases := func() int64 {
		n, err := e.db.Collection(collCases).CountDocuments(ctx, bson.D{})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	key, storedKey := newKey(), newKey()
	_, err = e.store.SubmitFrom(ctx, key, routine("while busy"), "net-1")
	if !errors.Is(err, errkind.Unavailable) {
		t.Fatalf("routine report while busy: got %v, want Unavailable (503: the app sends it again)", err)
	}
	if n := cases(); n != 0 {
		t.Fatalf("a refused report stored %d cases", n)
	}
	if _, err := e.store.SubmitFrom(ctx, newKey(), urgentReport("in danger"), "net-2"); err != nil {
		t.Fatalf("urgent report while routine intake is busy: %v", err)
	}
	leave()
	stored, err := e.store.SubmitFrom(ctx, storedKey, routine("stored before"), "net-3")
	if err != nil {
		t.Fatal(err)
	}
	if leave, err = e.store.routine.enter(ctx); err != nil {
		t.Fatal(err)
	}
	// A retry of a stored report gets its answer, busy or not.
	if again, err := e.store.SubmitFrom(ctx, storedKey, routine("stored before"), "net-3"); err != nil || again.Receipt != stored.Receipt {
		t.Fatalf("a retry of a stored report while busy: got %v, want its answer", err)
	}
	leave()
	e.clock.Advance(urgentCalm)
	first, err := e.store.SubmitFrom(ctx, key, routine("while busy"), "net-1")
	if err != nil {
		t.Fatalf("the refused report sent again: %v", err)
	}
	again, err := e.store.SubmitFrom(ctx, key, routine("while busy"), "net-1")
	if err != nil || again.CaseID != first.CaseID {
		t.Fatalf("a retry of the stored report: got %v (%v), want its answer", again.CaseID, err)
	}
	if n := cases(); n != 3 {
		t.Errorf("got %d cases, want 3 (the urgent one and two routine ones, once each)", n)
	}
}

// While an urgent report is being taken no routine report starts; for a
// while after urgent reports came in, one at a time does; then the gate is
// as wide as configured again.
func TestRoutineTurnsGiveWayToUrgentReports(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC)
	g := newRoutineGate(3, time.Millisecond, func() time.Time { return now })
	ctx := context.Background()
	try := func() (func(), bool) {
		leave, err := g.enter(ctx)
		if err != nil && !errors.Is(err, errkind.Unavailable) {
			t.Fatalf("enter: %v", err)
		}
		return leave, err == nil
	}
	done := g.urgent()
	if _, ok := try(); ok {
		t.Fatal("a routine report started while an urgent one was being taken")
	}
	done()
	first, ok := try()
	if !ok {
		t.Fatal("no routine report started once the urgent one was taken")
	}
	if _, ok := try(); ok {
		t.Fatal("a second routine report started right after urgent reports came in")
	}
	first()
	now = now.Add(urgentCalm)
	for i := range 3 {
		if _, ok := try(); !ok {
			t.Fatalf("routine report %d of 3 refused once urgent reports stopped", i+1)
		}
	}
	if _, ok := try(); ok {
		t.Fatal("a fourth routine report started beside three")
	}
}
