package alerts

import (
	"context"
	"fmt"
	"testing"

	"speaksafe/database"
)

// An instance that has never listed a force's alerts finds the newest slot
// from the stored hint, and every instance's first page starts at the alert
// opened last, wherever it was opened.
func TestAlertListFindsTheNewestSlotFromAnyInstance(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.addUser("off", "officer")
	first, ctx := h.dispatcher(), context.Background()
	for i := range 40 {
		if err := first.Open(ctx, fmt.Sprintf("slot-%02d", i), testForce, h.now()); err != nil {
			t.Fatal(err)
		}
	}
	second := h.dispatcher()
	items, next, err := second.Page(h.as("off"), 5, "")
	if err != nil || len(items) != 5 || items[0].ID != "slot-39" || next != "m35" {
		t.Fatalf("a new instance's first page: %d alerts from %v, next %q, %v; want 5 from slot-39, next m35", len(items), ids(items), next, err)
	}
	hint, err := database.FindByID[listHead](ctx, h.db.Collection(colListHeads), headKey(testForce, regionMain), nil)
	// Claims keep the stored hint within storeHintAtLeast of the newest.
	if err != nil || hint.N > 40 || hint.N <= 40-storeHintAtLeast {
		t.Fatalf("stored hint: %+v, %v; want within %d below 40", hint, err, storeHintAtLeast)
	}
	if err := second.Open(ctx, "slot-40", testForce, h.now()); err != nil {
		t.Fatal(err)
	}
	third := h.dispatcher()
	if n, err := third.lastSlot(ctx, testForce, regionMain, 0); err != nil || n != 41 {
		t.Fatalf("newest slot from the hint: %d, %v; want 41", n, err)
	}
	items, _, err = first.Page(h.as("off"), 2, "")
	if err != nil || len(items) != 2 || items[0].ID != "slot-40" {
		t.Fatalf("the first instance's page after another opened an alert: %v, %v; want slot-40 first", ids(items), err)
	}
}

func ids(items []Alert) []string {
	out := make([]string, len(items))
	for i, a := range items {
		out[i] = a.ID
	}
	return out
}
