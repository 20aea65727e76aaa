package reports

import (
	"context"
	"reflect"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// timesOf answers OpenCases of force A on s, by case id.
func timesOf(t *testing.T, s *Store) map[string]CaseTimes {
	t.Helper()
	got, err := s.OpenCases(context.Background(), forceA)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]CaseTimes{}
	for _, c := range got {
		out[c.ID] = c
	}
	return out
}

// The times reminders are worked out from follow every change made
// through another instance on the same store once this one has read them:
// a new case, its opening, a message of the child, its assignment, its
// closing; and a new instance reads the same.
func TestOpenCasesFollowAnotherInstancesChanges(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	other := e.secondInstance(t)
	a, b := e.submit(t, routine("first")), e.submit(t, routine("second"))
	if got := timesOf(t, other); len(got) != 2 || got[a.CaseID].FirstReadAt != nil || got[a.CaseID].UpdatedAt.IsZero() {
		t.Fatalf("second instance: %+v, want both cases, not read, with the time of their last change", got)
	}
	e.clock.Advance(time.Hour)
	if _, err := e.store.Case(officerA(), a.CaseID); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Hour)
	if _, err := e.store.AddReporterMessage(reporterCtx(t, e, a), "are you there"); err != nil {
		t.Fatal(err)
	}
	if err := e.store.Assign(officerA(), b.CaseID, "officer-a2"); err != nil {
		t.Fatal(err)
	}
	got := timesOf(t, other)
	ca, cb := got[a.CaseID], got[b.CaseID]
	if ca.FirstReadAt == nil || ca.ReporterMessageAt == nil || !ca.UpdatedAt.Equal(e.clock.Now()) {
		t.Errorf("case a on the second instance: %+v, want read, a message of the child and updated now", ca)
	}
	if cb.AssignedTo != "officer-a2" {
		t.Errorf("case b on the second instance: assigned to %q, want officer-a2", cb.AssignedTo)
	}
	e.clock.Advance(time.Hour)
	if _, err := e.store.Case(officerA(), a.CaseID); err != nil {
		t.Fatal(err)
	}
	if got := timesOf(t, other)[a.CaseID]; got.StaffReadAt == nil || !got.StaffReadAt.Equal(e.clock.Now()) {
		t.Errorf("after the officer read the message: staff read at %v, want %v", got.StaffReadAt, e.clock.Now())
	}
	if _, err := e.store.SetStatus(officerA(), b.CaseID, StatusChange{Status: StatusClosed, Disposition: DispositionAdviceGiven}); err != nil {
		t.Fatal(err)
	}
	want := timesOf(t, e.store)
	if got := timesOf(t, other); len(got) != 1 || len(want) != 1 || !reflect.DeepEqual(got[a.CaseID], want[a.CaseID]) {
		t.Errorf("after the closing the second instance has %+v, the first %+v", got, want)
	}
	if got := timesOf(t, e.secondInstance(t)); len(got) != 1 || got[a.CaseID].StaffReadAt == nil {
		t.Errorf("a new instance reads %+v", got)
	}
	forces, err := other.OpenForces(context.Background())
	if err != nil || len(forces) != 1 || forces[0] != forceA {
		t.Errorf("open forces: %v (%v), want only force A", forces, err)
	}
}

// An entry written before entries kept the case's last change gets it
// from the case, so the reminders of such a case are as before.
func TestOpenCasesOfAnEntryFromBefore(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := e.submit(t, routine("first"))
	e.clock.Advance(time.Hour)
	if err := e.store.Assign(officerA(), a.CaseID, "officer-a2"); err != nil {
		t.Fatal(err)
	}
	unset := bson.D{{Key: "$unset", Value: bson.D{{Key: "updatedAt", Value: ""}}}}
	if _, err := e.db.Collection(collQueue).UpdateOne(context.Background(), bson.D{{Key: "_id", Value: a.CaseID}}, unset); err != nil {
		t.Fatal(err)
	}
	got := timesOf(t, e.secondInstance(t))[a.CaseID]
	if !got.UpdatedAt.Equal(e.clock.Now()) || got.AssignedTo != "officer-a2" {
		t.Errorf("from an entry without its last change: %+v, want updated at %v", got, e.clock.Now())
	}
}
