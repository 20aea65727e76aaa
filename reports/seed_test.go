package reports

import (
	"context"
	"slices"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
)

func withHandle(r Report) Report {
	r.Answers.Handles = []Handle{{Platform: "game", Handle: "player_one"}}
	return r
}

// keysOf returns the sorted field names of the document with _id id.
func (e *env) keysOf(t *testing.T, coll, id string) []string {
	t.Helper()
	var doc bson.D
	if err := e.db.Collection(coll).FindOne(context.Background(), bson.D{{Key: "_id", Value: id}}).Decode(&doc); err != nil {
		t.Fatalf("%s %s: %v", coll, id, err)
	}
	var out []string
	for _, f := range doc {
		out = append(out, f.Key)
	}
	slices.Sort(out)
	return out
}

func TestSeededCasesLookLikeSubmittedAndClosedOnes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := withHandle(routine("An adult keeps sending my friend gifts."))
	sub := e.submit(t, r)
	if _, err := e.store.SetStatus(officerA(), sub.CaseID, StatusChange{Status: StatusClosed, Disposition: DispositionAdviceGiven}); err != nil {
		t.Fatal(err)
	}
	at := e.clock.Now()
	err := e.store.Seed(context.Background(), []SeedCase{
		{Report: r, At: at},
		{Report: r, At: at, Closed: true, ClosedBy: "officer-a", Disposition: DispositionAdviceGiven},
	})
	if err != nil {
		t.Fatalf("Seed: %v", err)
	}
	page, err := e.store.Queue(officerA(), QueueFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Cases) != 1 {
		t.Fatalf("queue holds %d open cases, want the seeded open one", len(page.Cases))
	}
	open := page.Cases[0].ID
	closed, err := e.store.Queue(officerA(), QueueFilter{Status: StatusClosed})
	if err != nil {
		t.Fatal(err)
	}
	var seededClosed string
	for _, c := range closed.Cases {
		if c.ID != sub.CaseID {
			seededClosed = c.ID
		}
	}
	if len(closed.Cases) != 2 || seededClosed == "" {
		t.Fatalf("closed view holds %d cases, want the submitted and the seeded one", len(closed.Cases))
	}
	d, err := e.store.Case(officerA(), seededClosed)
	if err != nil {
		t.Fatal(err)
	}
	if d.Status != StatusClosed || d.Disposition != DispositionAdviceGiven || d.WhatHappened != r.WhatHappened || len(d.Answers.Handles) != 1 {
		t.Errorf("seeded closed case reads %s/%s %q with %d handles, want closed/advice_given with the report and its handle",
			d.Status, d.Disposition, d.WhatHappened, len(d.Answers.Handles))
	}
	for _, c := range []struct{ coll, want, got string }{
		{collCases, sub.CaseID, seededClosed},
		{collCaseEvents, eventID(sub.CaseID, 1), eventID(seededClosed, 1)},
	} {
		if w, g := e.keysOf(t, c.coll, c.want), e.keysOf(t, c.coll, c.got); !slices.Equal(w, g) {
			t.Errorf("%s: seeded closed case has fields %v, a submitted then closed one %v", c.coll, g, w)
		}
	}
	m, err := e.store.RelatedCases(officerA(), open)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.InForce) != 2 {
		t.Errorf("the seeded case's handle matches %d other cases, want 2 (same handle)", len(m.InForce))
	}
}

func TestSeedRefusesWhatItCannotStoreFaithfully(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	at := e.clock.Now()
	for name, c := range map[string]SeedCase{
		"urgent":                {Report: urgentReport("He is outside now."), At: at},
		"closed without reason": {Report: routine("Gifts."), At: at, Closed: true, ClosedBy: "officer-a"},
		"unknown force":         {Report: Report{ForceCode: "ZZ", Category: CategoryGiftsOrMoney, WhatHappened: "Gifts."}, At: at},
	} {
		if err := e.store.Seed(context.Background(), []SeedCase{{Report: routine("Fine."), At: at}, c}); err == nil {
			t.Errorf("%s: Seed succeeded, want an error", name)
		}
	}
	if n := e.count(t, collCases); n != 0 {
		t.Errorf("%d cases stored after refused batches, want 0", n)
	}
}
