package database

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

// startEmbeddedDB starts an embedded store in dataDir for t and returns it
// with a database handle on it. The store stops when t ends.
func startEmbeddedDB(t testing.TB, dataDir string) (*Embedded, *mongo.Database) {
	t.Helper()
	ctx := context.Background()
	e, err := StartEmbedded(ctx, dataDir, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	c, err := Connect(e.URI())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Disconnect(ctx) })
	return e, c.Database("speaksafe")
}

// idPlan asks the store to explain a find of exactly {_id: id} in coll and
// returns SQLite's query plan for the SQL the store runs for it.
func idPlan(t *testing.T, db *mongo.Database, coll string, id any) string {
	t.Helper()
	var res bson.M
	cmd := bson.D{{Key: "explain", Value: bson.D{{Key: "find", Value: coll}, {Key: "filter", Value: bson.D{{Key: "_id", Value: id}}}}}}
	if err := db.RunCommand(context.Background(), cmd).Decode(&res); err != nil {
		t.Fatal(err)
	}
	if res["filterPushdown"] != true {
		t.Fatalf("the store does not push {_id} down to SQLite: %v", res)
	}
	return fmt.Sprint(res["queryPlanner"])
}

// Finding a document by _id searches an index instead of reading the whole
// table, in a collection with declared indexes and in one without, for
// string and ObjectID keys alike; the result and the uniqueness of _id are
// unchanged, and the app's own index list does not show the extra index.
//
// The plans are the store's own explain of a find, which runs EXPLAIN QUERY
// PLAN on the SELECT its find runs (same WHERE clause, built by the same
// code). The store is restarted before the second look because SQLite
// explains with the schema a connection already knows, while a real query
// notices the new index and is prepared again.
func TestIDLookupsSearchAnIndex(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dataDir := t.TempDir()
	e, db := startEmbeddedDB(t, dataDir)
	oid := bson.NewObjectID()
	// A secondary index as MongoDB has it: the _id path index stays hidden
	// beside it.
	if err := ensureIndexes(ctx, db, []Index{{Collection: "cases", Keys: bson.D{{Key: "forceId", Value: 1}}, Name: "force"}}, true); err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		if _, err := db.Collection("cases").InsertOne(ctx, bson.D{{Key: "_id", Value: fmt.Sprintf("c%d", i)}, {Key: "n", Value: i}}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.Collection("plain").InsertOne(ctx, bson.D{{Key: "_id", Value: oid}}); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		coll string
		id   any
	}{{"cases", "c7"}, {"plain", oid}}
	for _, c := range cases {
		if plan := idPlan(t, db, c.coll, c.id); !strings.Contains(plan, "SCAN") {
			t.Fatalf("%s before indexing: plan %s, want a SCAN (has FerretDB started to index the expression itself?)", c.coll, plan)
		}
	}
	for range 2 { // idempotent
		if err := e.IndexIDPaths(ctx); err != nil {
			t.Fatal(err)
		}
	}
	_ = db.Client().Disconnect(ctx)
	e.Close()
	_, db = startEmbeddedDB(t, dataDir)
	for _, c := range cases {
		plan := idPlan(t, db, c.coll, c.id)
		if !strings.Contains(plan, "SEARCH") || !strings.Contains(plan, "USING INDEX") || !strings.Contains(plan, idPathSuffix) {
			t.Errorf("%s: plan %s, want SEARCH ... USING INDEX <table>%s", c.coll, plan, idPathSuffix)
		}
	}
	var got bson.M
	if err := db.Collection("cases").FindOne(ctx, bson.D{{Key: "_id", Value: "c7"}}).Decode(&got); err != nil || got["n"] != int32(7) {
		t.Errorf("find c7: %v %v, want n=7", got, err)
	}
	if _, err := db.Collection("cases").InsertOne(ctx, bson.D{{Key: "_id", Value: "c7"}}); !IsDuplicateKey(err) {
		t.Errorf("duplicate _id after indexing: %v, want a duplicate-key error", err)
	}
	specs, err := db.Collection("cases").Indexes().ListSpecifications(ctx)
	if err != nil || len(specs) != 2 {
		t.Errorf("listed indexes %v %v, want _id_ and force only", specs, err)
	}
}

// Indexing never creates a database file and ignores a database that is
// being created or dropped.
func TestIndexIDPathsLeavesOtherFilesAlone(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e, db := startEmbeddedDB(t, t.TempDir())
	if _, err := db.Collection("x").InsertOne(ctx, bson.D{{Key: "_id", Value: "a"}}); err != nil {
		t.Fatal(err)
	}
	// A file FerretDB has only begun to create: empty, no collections table.
	empty := filepath.Join(e.dir, "fresh.sqlite")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := e.IndexIDPaths(ctx); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(empty); err != nil || st.Size() != 0 {
		t.Errorf("the empty file was changed: %v %v", st, err)
	}
	if err := indexIDPathsIn(ctx, filepath.Join(e.dir, "gone.sqlite")); err != nil {
		t.Errorf("a dropped database: %v, want nil", err)
	}
	if _, err := os.Stat(filepath.Join(e.dir, "gone.sqlite")); !os.IsNotExist(err) {
		t.Errorf("indexing created a file for a dropped database: %v", err)
	}
}

// A collection declared with Collections exists from start-up, so the
// start-up indexing covers it: its first _id lookup, before anything was
// ever stored in it, searches an index. Declaring it again is harmless.
func TestDeclaredCollectionsAreIndexedBeforeTheirFirstInsert(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dataDir := t.TempDir()
	e, db := startEmbeddedDB(t, dataDir)
	for range 2 {
		if err := EnsureIndexes(ctx, db, Collections("steps", "attempts")); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.IndexIDPaths(ctx); err != nil {
		t.Fatal(err)
	}
	_ = db.Client().Disconnect(ctx)
	e.Close()
	_, db = startEmbeddedDB(t, dataDir)
	for _, coll := range []string{"steps", "attempts"} {
		if plan := idPlan(t, db, coll, "a:1"); !strings.Contains(plan, "SEARCH") || !strings.Contains(plan, idPathSuffix) {
			t.Errorf("%s: plan %s, want SEARCH ... USING INDEX <table>%s", coll, plan, idPathSuffix)
		}
	}
}
