package reports

import (
	"context"
	"errors"
	"testing"
	"time"

	"speaksafe/errkind"
)

func TestRetentionSweep(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	old := e.submit(t, routine("closed long ago"))
	recent := e.submit(t, routine("closed recently"))
	open := e.submit(t, routine("still open"))
	if _, err := e.store.OpenSession(ctx, old.Reference, old.Receipt, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.SetStatus(officerA(), old.CaseID, StatusChange{Status: StatusClosed, Disposition: DispositionAdviceGiven}); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(80 * 24 * time.Hour)
	if _, err := e.store.SetStatus(officerA(), recent.CaseID, StatusChange{Status: StatusClosed, Disposition: DispositionAdviceGiven}); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(11 * 24 * time.Hour) // old: closed 91 days ago; recent: 11 days

	res, err := e.store.Sweep(ctx, e.clock.Now(), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if res.Cases != 1 || res.Sessions != 1 || res.IdempotencyRecords != 3 {
		t.Errorf("sweep: got %+v, want 1 case, 1 session, 3 idempotency records", res)
	}
	if ok, _ := e.store.CaseExists(ctx, old.CaseID); ok {
		t.Error("case closed 91 days ago still exists")
	}
	for _, id := range []string{recent.CaseID, open.CaseID} {
		if ok, _ := e.store.CaseExists(ctx, id); !ok {
			t.Errorf("case %s was deleted too early", id)
		}
	}
	if _, err := e.store.OpenSession(ctx, old.Reference, old.Receipt, ""); !errors.Is(err, errkind.Unauthorized) {
		t.Errorf("receipt of a deleted case: got %v, want Unauthorized", err)
	}
	if got := e.audit.find("case.deleted", old.CaseID); len(got) != 1 || got[0].Detail["reason"] != "retention" {
		t.Errorf("audit of deletion: got %+v", got)
	}
	if got := e.audit.find("reporter_session.expired_deleted", ""); len(got) != 1 || got[0].Detail["count"] != "1" {
		t.Errorf("audit of session deletion: got %+v", got)
	}
	again, err := e.store.Sweep(ctx, e.clock.Now(), time.Hour)
	if err != nil || !again.Skipped {
		t.Errorf("second sweep in the same slot: got %+v, %v; want skipped", again, err)
	}
}
