package content

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"speaksafe/accounts"
	"speaksafe/database"
	"speaksafe/dbtest"
)

// A change whose audit entry cannot be written does not happen: a new
// draft, an edit, a collection and a join code all stay as they were, the
// caller gets the audit log's error (an unreachable store stays one, so
// the error mapper answers 503), and the draft's slug is free again.
func TestNoChangeWithoutItsAuditEntry(t *testing.T) {
	t.Parallel()
	s, aud := startStore(t, dbtest.New(t), newClock())
	lead := as(accounts.RoleSafeguardingLead, "l1", "schoolA")
	it, err := s.Create(lead, sampleDraft("kept"))
	if err != nil {
		t.Fatal(err)
	}
	col, err := s.MyCollection(lead)
	if err != nil {
		t.Fatal(err)
	}
	down := fmt.Errorf("audit: append: %w", context.DeadlineExceeded)
	aud.failWith(down)

	if _, err := s.Create(lead, sampleDraft("refused")); !errors.Is(err, down) || !database.IsUnavailable(err) {
		t.Errorf("create: got %v, want the audit log's unavailable error", err)
	}
	d := sampleDraft("kept")
	d.Title = "Changed while the audit log was down"
	if _, err := s.Update(lead, it.ID, it.Version, d); !errors.Is(err, down) {
		t.Errorf("update: got %v, want the audit log's error", err)
	}
	if _, err := s.SetCollection(lead, col.Version, []string{"lib-en-trusted-adults"}); !errors.Is(err, down) {
		t.Errorf("set collection: got %v, want the audit log's error", err)
	}
	if _, err := s.RotateJoinCode(lead); !errors.Is(err, down) {
		t.Errorf("rotate join code: got %v, want the audit log's error", err)
	}

	aud.failWith(nil)
	own, err := s.ListOwn(lead, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(own) != 1 || own[0].ID != it.ID || own[0].Title != it.Title || own[0].Version != it.Version {
		t.Errorf("items after refused changes: %+v, want only %q unchanged", own, it.Title)
	}
	after, err := s.MyCollection(lead)
	if err != nil {
		t.Fatal(err)
	}
	if after.Version != col.Version || after.JoinCode != col.JoinCode || len(after.Items) != 0 {
		t.Errorf("collection after refused changes: %+v, want %+v", after, col)
	}
	if _, err := s.Create(lead, sampleDraft("refused")); err != nil {
		t.Errorf("the refused draft's slug is still held: %v", err)
	}
}
