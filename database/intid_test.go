package database

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// FieldByIntID reads the field of the document stored under an integer
// _id (which the store itself would find by decoding the whole collection):
// present, changed and deleted documents read as the driver sees them, and
// a database or collection that is not there is ErrNoDirectRead, never
// "no document".
func TestFieldByIntIDReadsWhatTheDriverSees(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e, db := startEmbeddedDB(t, t.TempDir())
	c := db.Collection("entries")
	var docs []any
	for i := int64(1); i <= 50; i++ {
		docs = append(docs, bson.D{{Key: "_id", Value: i}, {Key: "hash", Value: "h" + bson.NewObjectID().Hex()}, {Key: "n", Value: i}})
	}
	if _, err := c.InsertMany(ctx, docs); err != nil {
		t.Fatal(err)
	}
	want := func(id int64) (string, bool) {
		var d struct{ Hash string }
		err := c.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d)
		return d.Hash, err == nil
	}
	check := func(id int64) {
		t.Helper()
		got, found, err := e.FieldByIntID(ctx, "speaksafe", "entries", id, "hash")
		w, wfound := want(id)
		if err != nil || got != w || found != wfound {
			t.Errorf("_id %d: got %q %v %v, want %q %v", id, got, found, err, w, wfound)
		}
	}
	for _, id := range []int64{1, 17, 50, 51, 0} {
		check(id)
	}
	if _, err := c.UpdateOne(ctx, bson.D{{Key: "_id", Value: int64(17)}}, bson.D{{Key: "$set", Value: bson.D{{Key: "hash", Value: "rewritten"}}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteMany(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$gte", Value: 40}}}}); err != nil {
		t.Fatal(err)
	}
	for _, id := range []int64{17, 39, 40, 50} {
		check(id)
	}
	if _, found, err := e.FieldByIntID(ctx, "speaksafe", "entries", 1, "n"); err != nil || !found {
		t.Errorf("a field that is not a string: %v %v", found, err)
	}
	for _, at := range [][2]string{{"speaksafe", "nothing_here"}, {"no_such_db", "entries"}} {
		if _, _, err := e.FieldByIntID(ctx, at[0], at[1], 1, "hash"); !errors.Is(err, ErrNoDirectRead) {
			t.Errorf("%s.%s: got %v, want ErrNoDirectRead", at[0], at[1], err)
		}
	}
	if plan := directPlan(t, e, "entries"); !strings.Contains(plan, "USING INDEX") {
		t.Errorf("the read is not an index search: %s", plan)
	}
	if err := db.Drop(ctx); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.FieldByIntID(ctx, "speaksafe", "entries", 1, "hash"); !errors.Is(err, ErrNoDirectRead) {
		t.Errorf("a dropped database: got %v, want ErrNoDirectRead", err)
	}
	var nilStore *Embedded
	if _, _, err := nilStore.FieldByIntID(ctx, "speaksafe", "entries", 1, "hash"); !errors.Is(err, ErrNoDirectRead) {
		t.Errorf("no embedded store: got %v, want ErrNoDirectRead", err)
	}
}

// directPlan is SQLite's plan for FieldByIntID's query on coll.
func directPlan(t *testing.T, e *Embedded, coll string) string {
	t.Helper()
	ctx := context.Background()
	db, table, err := e.reads.table(ctx, filepath.Join(e.dir, "speaksafe.sqlite"), coll)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := db.QueryContext(ctx, "EXPLAIN QUERY PLAN SELECT _ferretdb_sjson->>'$.hash' FROM "+quoteIdent(table)+" WHERE "+idPathExpr+" = '1'")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan strings.Builder
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan.WriteString(detail + "; ")
	}
	return plan.String()
}
