package reports

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"speaksafe/errkind"
)

// floodOf reads the flood marking of a case and of its queue entry.
func floodOf(t *testing.T, e *env, caseID string) (c, q flood) {
	t.Helper()
	ctx := context.Background()
	var d caseDoc
	if err := e.db.Collection(collCases).FindOne(ctx, bson.D{{Key: "_id", Value: caseID}}).Decode(&d); err != nil {
		t.Fatal(err)
	}
	var qe queueEntry
	if err := e.db.Collection(collQueue).FindOne(ctx, bson.D{{Key: "_id", Value: caseID}}).Decode(&qe); err != nil {
		t.Fatal(err)
	}
	return flood{d.FloodGroup, d.FloodKind}, flood{qe.FloodGroup, qe.FloodKind}
}

// SECURITY 30: urgent reports from one network beyond the threshold are
// all stored and urgent, and those beyond it share one random flood group
// (on the case, its alert info and its queue entry); a retry keeps its group.
func TestUrgentFloodFromOneNetworkIsStoredAndGrouped(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	const n = DefaultFloodPerNetwork + 5
	keys := make([]string, n)
	subs := make([]Submission, n)
	for i := range n {
		keys[i] = newKey()
		var err error
		if subs[i], err = e.store.SubmitFrom(ctx, keys[i], urgentReport(fmt.Sprintf("report %d", i)), "net-1"); err != nil {
			t.Fatalf("urgent report %d: %v", i+1, err)
		}
		if !subs[i].Urgent {
			t.Errorf("report %d is not urgent", i+1)
		}
	}
	var group string
	for i, sub := range subs {
		c, q := floodOf(t, e, sub.CaseID)
		if c != q {
			t.Errorf("report %d: case says %+v, queue entry %+v", i+1, c, q)
		}
		if i < DefaultFloodPerNetwork {
			if c.Group != "" {
				t.Errorf("report %d, within the threshold: flood %+v, want none", i+1, c)
			}
			continue
		}
		if c.Kind != FloodNetwork || c.Group == "" || (group != "" && c.Group != group) {
			t.Errorf("report %d: flood %+v, want kind network and one shared group", i+1, c)
		}
		group = c.Group
		if strings.Contains(group, "net-1") {
			t.Errorf("group %q is derived from the client key", group)
		}
		info, err := e.store.AlertInfo(ctx, sub.CaseID)
		if err != nil || info.FloodGroup != group || info.FloodKind != FloodNetwork {
			t.Errorf("alert info of report %d: %+v %v", i+1, info, err)
		}
		if e.alerter.opened[sub.CaseID] != 1 {
			t.Errorf("report %d: alert opened %d times, want 1", i+1, e.alerter.opened[sub.CaseID])
		}
	}
	last := n - 1
	again, err := e.store.SubmitFrom(ctx, keys[last], urgentReport(fmt.Sprintf("report %d", last)), "net-1")
	if err != nil || again.Reference != subs[last].Reference || again.Receipt != subs[last].Receipt {
		t.Errorf("retry: got %s %v, want the stored answer %s", again.Reference, err, subs[last].Reference)
	}
	if other, err := e.store.SubmitFrom(ctx, newKey(), urgentReport("another network"), "net-2"); err != nil {
		t.Fatal(err)
	} else if c, _ := floodOf(t, e, other.CaseID); c.Group != "" {
		t.Errorf("a report from another network: flood %+v, want none", c)
	}
}

// Urgent reports to one force from many networks, each under its own
// threshold, form a force flood group beyond the force's threshold.
func TestUrgentFloodAcrossNetworksFormsAForceGroup(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	groups := map[string]int{}
	for i := range DefaultFloodPerForce + 3 {
		sub, err := e.store.SubmitFrom(ctx, newKey(), urgentReport(fmt.Sprintf("r%d", i)), fmt.Sprintf("net-%d", i))
		if err != nil {
			t.Fatal(err)
		}
		c, _ := floodOf(t, e, sub.CaseID)
		switch {
		case i < DefaultFloodPerForce && c.Group != "":
			t.Errorf("report %d within the force threshold: flood %+v", i+1, c)
		case i >= DefaultFloodPerForce && c.Kind != FloodForce:
			t.Errorf("report %d beyond the force threshold: flood %+v, want kind force", i+1, c)
		}
		if c.Group != "" {
			groups[c.Group]++
		}
	}
	if len(groups) != 1 {
		t.Errorf("force flood groups: got %v, want one group of 3", groups)
	}
}

// Routine reports are limited per client with words a child understands;
// a retry of a stored report still gets its answer once the limit is hit,
// and urgent reports from the same client are still taken.
func TestRoutineLimitAnswersRetriesAndNeverUrgent(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	first := newKey()
	stored, err := e.store.SubmitFrom(ctx, first, routine("r0"), "net")
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i < 30; i++ {
		if _, err := e.store.SubmitFrom(ctx, newKey(), routine(fmt.Sprintf("r%d", i)), "net"); err != nil {
			t.Fatalf("routine report %d: %v", i+1, err)
		}
	}
	var rl *errkind.RateLimited
	_, err = e.store.SubmitFrom(ctx, newKey(), routine("one too many"), "net")
	if !errors.As(err, &rl) || !strings.Contains(rl.Detail, "999") || !strings.Contains(rl.Detail, "Childline") {
		t.Fatalf("31st routine report: got %v, want RateLimited telling the child to call 999 or Childline", err)
	}
	if again, err := e.store.SubmitFrom(ctx, first, routine("r0"), "net"); err != nil || again.Receipt != stored.Receipt {
		t.Errorf("retry over the limit: got %v, want the stored answer", err)
	}
	if _, err := e.store.SubmitFrom(ctx, newKey(), urgentReport("now"), "net"); err != nil {
		t.Errorf("urgent report over the routine limit: %v", err)
	}
}

// A new report can point to an earlier one; the officer sees the link.
func TestRelatedReferenceIsKeptForTheOfficer(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	r := routine("I lost my receipt, this is about the same man")
	r.RelatedReference = " ss 2222 3333 "
	sub := e.submit(t, r)
	got, err := e.store.RelatedReference(officerA(), sub.CaseID)
	if err != nil || got != "SS-2222-3333" {
		t.Errorf("related reference: got %q %v, want SS-2222-3333", got, err)
	}
	if _, err := e.store.RelatedReference(officerB(), sub.CaseID); !errors.Is(err, errkind.NotFound) {
		t.Errorf("officer of another force: got %v, want NotFound", err)
	}
	r.RelatedReference = "not-a-reference"
	var v *errkind.ValidationError
	if _, err := e.store.Submit(ctx, newKey(), r); !errors.As(err, &v) {
		t.Errorf("malformed related reference: got %v, want a validation error", err)
	}
}
