package alerts

import (
	"context"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// A process that died between writing an alert's active entry and its
// alert document leaves an orphan entry. The sweeper pages nobody for it,
// keeps it through the grace period (the report's retry may still come),
// then clears it; a retry of the report after that opens the alert afresh
// and pages the on-call officer once.
func TestOrphanActiveEntryIsClearedAndTheRetryPages(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.officer("off1", "token-officer-one-000")
	h.officer("off2", "token-officer-two-000")
	h.standardPolicy("off1", "off2", 0)
	ctx := context.Background()
	active := h.db.Collection(colActive)
	opened := h.clock.Now().UTC()
	if _, err := active.InsertOne(ctx, activeDoc{ID: "case-o", ForceID: testForce, OpenedAt: opened, DueAt: opened}); err != nil {
		t.Fatal(err)
	}
	d := h.dispatcher()

	h.sweep(d)
	var act activeDoc
	if err := active.FindOne(ctx, bson.D{{Key: "_id", Value: "case-o"}}).Decode(&act); err != nil {
		t.Fatalf("the orphan was cleared within its grace period: %v", err)
	}
	if want := opened.Add(d.cfg.Grace); !act.DueAt.Equal(want) {
		t.Errorf("orphan due at %v, want the end of its grace period %v", act.DueAt, want)
	}

	h.clock.Advance(d.cfg.Grace)
	h.sweep(d)
	if n, err := active.CountDocuments(ctx, bson.D{{Key: "_id", Value: "case-o"}}); err != nil || n != 0 {
		t.Fatalf("got %d orphan entries (%v) after the grace period, want 0", n, err)
	}
	if got := len(h.fcm.Requests()); got != 0 {
		t.Fatalf("got %d pages for an alert that was never written, want 0", got)
	}

	// The child's app retries the report: the alert opens for real (the
	// sweep after the opener's hold stands for the retry's own start).
	h.open(d, "case-o")
	h.clock.Advance(d.openHold())
	h.sweep(d)
	if got := delivered(h.fcm.Requests(), "token-officer-one-000"); got != 1 {
		t.Errorf("got %d pages after the retry, want 1", got)
	}
	h.sweep(d)
	if got := len(h.fcm.Requests()); got != 1 {
		t.Errorf("got %d page requests after another sweep, want 1", got)
	}
}
