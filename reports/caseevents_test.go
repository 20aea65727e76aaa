package reports

import (
	"context"
	"errors"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"speaksafe/errkind"
)

// snapshot returns the stored document _id id of coll.
func snapshot(t *testing.T, e *env, coll, id string) bson.Raw {
	t.Helper()
	raw, err := e.db.Collection(coll).FindOne(context.Background(), bson.D{{Key: "_id", Value: id}}).Raw()
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func restore(t *testing.T, e *env, coll, id string, raw bson.Raw) {
	t.Helper()
	if _, err := e.db.Collection(coll).ReplaceOne(context.Background(), bson.D{{Key: "_id", Value: id}}, raw); err != nil {
		t.Fatal(err)
	}
}

// A writer that claimed versions but died before writing the case, its
// thread and its queue entry (or whose older write landed last) leaves
// copies behind the newest event: the next read shows the newest state
// and every entry, and writes the copies again.
func TestCaseBehindItsNewestEventIsRepairedOnRead(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	sub := e.submit(t, routine("x"))
	if _, err := e.store.AddStaffMessage(officerA(), sub.CaseID, "first"); err != nil {
		t.Fatal(err)
	}
	oldCase, oldThread := snapshot(t, e, collCases, sub.CaseID), snapshot(t, e, collThreads, sub.CaseID)
	oldEntry := snapshot(t, e, collQueue, sub.CaseID)
	if _, err := e.store.AddNote(officerA(), sub.CaseID, "second"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.SetStatus(officerA(), sub.CaseID, StatusChange{Status: StatusInProgress}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.AddStaffMessage(officerA(), sub.CaseID, "third"); err != nil {
		t.Fatal(err)
	}
	restore(t, e, collCases, sub.CaseID, oldCase)
	restore(t, e, collThreads, sub.CaseID, oldThread)
	restore(t, e, collQueue, sub.CaseID, oldEntry)

	page, err := e.store.Queue(officerA(), QueueFilter{})
	if err != nil || len(page.Cases) != 1 || page.Cases[0].Status != StatusNew {
		t.Fatalf("stale queue entry before the read: %+v %v", page.Cases, err)
	}
	d, err := e.store.Case(officerA(), sub.CaseID)
	if err != nil {
		t.Fatal(err)
	}
	if d.Status != StatusInProgress || len(d.Messages) != 2 || d.Messages[1].Body != "third" || len(d.Notes) != 1 || d.Notes[0].Body != "second" {
		t.Errorf("read of a case left behind: status %s, %d messages, %d notes; want in_progress, first+third, second",
			d.Status, len(d.Messages), len(d.Notes))
	}
	var stored caseDoc
	if err := e.db.Collection(collCases).FindOne(ctx, bson.D{{Key: "_id", Value: sub.CaseID}}).Decode(&stored); err != nil {
		t.Fatal(err)
	}
	var thread threadDoc
	if err := e.db.Collection(collThreads).FindOne(ctx, bson.D{{Key: "_id", Value: sub.CaseID}}).Decode(&thread); err != nil {
		t.Fatal(err)
	}
	if stored.Status != StatusInProgress || stored.Version < 4 || len(thread.Messages) != 2 || len(thread.Notes) != 1 {
		t.Errorf("copies not repaired: case %s v%d, thread %d messages %d notes", stored.Status, stored.Version, len(thread.Messages), len(thread.Notes))
	}
	page, err = e.store.Queue(officerA(), QueueFilter{})
	if err != nil || len(page.Cases) != 1 || page.Cases[0].Status != StatusInProgress {
		t.Errorf("queue entry not repaired: %+v %v", page.Cases, err)
	}
}

// A version already claimed cannot be claimed again: the second writer of
// version N+1 (another instance that read the same version) loses and,
// re-reading, is told the case is closed.
func TestSecondClaimOfAVersionLoses(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	sub := e.submit(t, routine("x"))
	cur, err := e.store.loadCase(context.Background(), sub.CaseID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.SetStatus(officerA(), sub.CaseID, StatusChange{Status: StatusClosed, Disposition: DispositionDuplicate}); err != nil {
		t.Fatal(err)
	}
	stale := *cur
	stale.Version++
	stale.Status = StatusInProgress
	won, err := e.store.claim(context.Background(), cur, &stale, &caseUpdate{action: "case.status_changed"})
	if err != nil || won {
		t.Errorf("second claim of version %d: won %v, %v; want lost", stale.Version, won, err)
	}
	if _, err := e.store.SetStatus(officerA(), sub.CaseID, StatusChange{Status: StatusInProgress}); !errors.Is(err, errkind.Conflict) {
		t.Errorf("moving a closed case back: got %v, want a conflict", err)
	}
}
