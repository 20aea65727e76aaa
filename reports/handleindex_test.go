package reports

import (
	"context"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"speaksafe/fieldcrypt"
)

func naming(platform, handle string) Report {
	r := routine("he keeps messaging me")
	r.Answers.Handles = []Handle{{Platform: platform, Handle: handle}}
	return r
}

func (e *env) found(t *testing.T, platform, handle string) int {
	t.Helper()
	m, err := e.store.CasesByHandle(officerA(), platform, handle, 0)
	if err != nil {
		t.Fatal(err)
	}
	return len(m.InForce)
}

// Cases stored before handle matching (no entries), and every case after
// the handle key changed, are found once the backfill has run; it resumes
// where it stopped and drops the entries under the old key. The entries
// hold a keyed hash, never the handle.
func TestBackfillIndexesCasesFromBeforeAndAfterAKeyChange(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	for _, h := range []string{"cool_uncle_99", "@Cool_Uncle_99"} {
		e.submit(t, naming("insta", h))
	}
	e.submit(t, routine("no handle"))
	raw := dbDump(t, e)
	if strings.Contains(strings.ToLower(raw), "cool_uncle") {
		t.Fatal("a handle is stored in clear")
	}
	if _, err := e.db.Collection(collHandles).DeleteMany(ctx, bson.D{}); err != nil {
		t.Fatal(err)
	}
	if got := e.found(t, "instagram", "cool_uncle_99"); got != 0 {
		t.Fatalf("before the backfill: found %d", got)
	}
	if n, err := e.store.BackfillHandles(ctx); err != nil || n != 3 {
		t.Fatalf("backfill: read %d, %v; want 3 cases", n, err)
	}
	if got := e.found(t, "instagram", "cool_uncle_99"); got != 2 {
		t.Fatalf("after the backfill: found %d, want 2", got)
	}
	if n, _ := e.store.BackfillHandles(ctx); n != 0 {
		t.Errorf("a finished backfill read %d cases again", n)
	}

	k, err := fieldcrypt.NewKey("h2")
	if err != nil {
		t.Fatal(err)
	}
	hk, err := ParseHandleKeys(k)
	if err != nil {
		t.Fatal(err)
	}
	cfg := e.store.cfg
	cfg.HandleKeys = hk
	if e.store, err = NewStore(e.db, cfg); err != nil {
		t.Fatal(err)
	}
	if got := e.found(t, "instagram", "cool_uncle_99"); got != 0 {
		t.Fatalf("under a new key before its backfill: found %d", got)
	}
	// A backfill that stopped after the first case resumes after it.
	first, _, err := e.store.backfillBatch(ctx, "")
	if err != nil || first == 0 {
		t.Fatal(err)
	}
	if _, err := e.store.BackfillHandles(ctx); err != nil {
		t.Fatal(err)
	}
	if got := e.found(t, "instagram", "cool_uncle_99"); got != 2 {
		t.Errorf("after the new key's backfill: found %d, want 2", got)
	}
	old, err := e.db.Collection(collHandles).CountDocuments(ctx, bson.D{{Key: "kid", Value: bson.D{{Key: "$ne", Value: "h2"}}}})
	if err != nil || old != 0 {
		t.Errorf("entries under the old key left: %d (%v)", old, err)
	}
}

func dbDump(t *testing.T, e *env) string {
	t.Helper()
	var b strings.Builder
	for _, coll := range []string{collCases, collHandles} {
		cur, err := e.db.Collection(coll).Find(context.Background(), bson.D{})
		if err != nil {
			t.Fatal(err)
		}
		var docs []bson.M
		if err := cur.All(context.Background(), &docs); err != nil {
			t.Fatal(err)
		}
		for _, d := range docs {
			b.WriteString(strings.ToLower(bson.Raw(mustMarshal(t, d)).String()))
		}
	}
	return b.String()
}

func mustMarshal(t *testing.T, v any) []byte {
	t.Helper()
	b, err := bson.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
