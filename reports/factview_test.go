package reports

import (
	"cmp"
	"context"
	"reflect"
	"slices"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// scanFacts is the full computation the copy replaces: the facts of
// forces in [from, to) read from the cases and threads themselves.
func scanFacts(t *testing.T, e *env, forces []string, from, to time.Time) []Fact {
	t.Helper()
	ctx := context.Background()
	filter := bson.D{{Key: "forceId", Value: bson.D{{Key: "$in", Value: forces}}},
		{Key: "createdAt", Value: bson.D{{Key: "$gte", Value: from.UTC()}, {Key: "$lt", Value: to.UTC()}}}}
	cur, err := e.db.Collection(collCases).Find(ctx, filter, options.Find().SetProjection(factFields))
	if err != nil {
		t.Fatal(err)
	}
	var docs []factDoc
	if err := cur.All(ctx, &docs); err != nil {
		t.Fatal(err)
	}
	out := []Fact{}
	for i := range docs {
		f := factOf(&docs[i])
		if docs[i].MessageCount > 0 {
			if f.FirstReplyAt, err = e.store.firstReply(ctx, f.ID); err != nil {
				t.Fatal(err)
			}
		}
		out = append(out, f)
	}
	slices.SortFunc(out, func(a, b Fact) int { return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.ID, b.ID)) })
	return out
}

// sameFacts fails unless s's facts of both forces equal the full
// computation over the same data, and answers how many there are.
func sameFacts(t *testing.T, e *env, s *Store, when string) int {
	t.Helper()
	forces := []string{forceA, forceB}
	from, to := e.clock.Now().Add(-400*24*time.Hour), e.clock.Now().Add(time.Hour)
	got, err := s.Facts(context.Background(), forces, from, to)
	if err != nil {
		t.Fatal(err)
	}
	want := scanFacts(t, e, forces, from, to)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s: the copy has\n%+v\nthe cases say\n%+v", when, got, want)
	}
	return len(got)
}

// The figures' copy of the facts, kept by the change sequence, equals
// the full computation over the same data after each kind of change made
// through another instance: new reports in two forces, an urgent one, a
// case opened, a reply, an acknowledgement, a closing, a reply after the
// closing, a bulk load and the retention sweep's deletion.
func TestFactsCopyEqualsTheFullComputation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	other := e.secondInstance(t)
	sameFacts(t, e, other, "empty store")
	a := e.submit(t, routine("first"))
	r := routine("second")
	r.ForceCode = "CD"
	e.submit(t, r)
	urgent := e.submit(t, urgentReport("he is outside"))
	if n := sameFacts(t, e, other, "three reports"); n != 3 {
		t.Fatalf("three reports: %d facts", n)
	}
	e.clock.Advance(10 * time.Minute)
	if _, err := e.store.Case(officerA(), a.CaseID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.AddStaffMessage(officerA(), a.CaseID, "we are here to help"); err != nil {
		t.Fatal(err)
	}
	if err := e.store.MarkAcknowledged(context.Background(), urgent.CaseID, "officer-a", e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	sameFacts(t, e, other, "opened, replied, acknowledged")
	e.clock.Advance(time.Hour)
	if _, err := e.store.SetStatus(officerA(), urgent.CaseID, StatusChange{Status: StatusClosed, Disposition: DispositionAdviceGiven}); err != nil {
		t.Fatal(err)
	}
	sameFacts(t, e, other, "closed")
	if _, err := e.store.AddStaffMessage(officerA(), urgent.CaseID, "one more thing"); err != nil {
		t.Fatal(err)
	}
	sameFacts(t, e, other, "a first reply after the closing")
	err := e.store.Seed(context.Background(), []SeedCase{{Report: routine("seeded"), At: e.clock.Now()},
		{Report: routine("seeded closed"), At: e.clock.Now(), Closed: true, ClosedBy: "officer-a", Disposition: DispositionAdviceGiven}})
	if err != nil {
		t.Fatal(err)
	}
	if n := sameFacts(t, e, other, "a bulk load"); n != 5 {
		t.Fatalf("after the bulk load: %d facts, want 5", n)
	}
	e.clock.Advance(100 * 24 * time.Hour)
	if res, err := e.store.Sweep(context.Background(), e.clock.Now(), time.Hour); err != nil || res.Cases != 2 {
		t.Fatalf("retention sweep: %+v %v, want the two closed cases deleted", res, err)
	}
	if n := sameFacts(t, e, other, "the retention sweep"); n != 3 {
		t.Fatalf("after the retention sweep: %d facts, want 3", n)
	}
}
