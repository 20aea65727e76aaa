package database

import (
	"context"
	"errors"
	"slices"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"speaksafe/internal/testsupport"
)

// A MongoDB that is not there is "unavailable" (a 503 the app may retry),
// not an internal error.
func TestUnreachableStoreIsUnavailable(t *testing.T) {
	t.Parallel()
	addr, err := testsupport.FreeAddr() // nothing listens here
	if err != nil {
		t.Fatal(err)
	}
	c, err := Connect("mongodb://" + addr + "/?serverSelectionTimeoutMS=300")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Disconnect(context.Background())
	_, err = c.Database("x").Collection("y").InsertOne(context.Background(), bson.D{{Key: "a", Value: 1}})
	if err == nil {
		t.Fatal("insert into an unreachable store succeeded")
	}
	if !IsUnavailable(err) {
		t.Errorf("IsUnavailable(%v) = false, want true", err)
	}
	if IsUnavailable(errors.New("E11000 duplicate key")) || IsUnavailable(nil) {
		t.Error("ordinary errors reported as unavailable")
	}
}

// The embedded store gets the unique indexes only: a non-unique index an
// earlier start made is dropped (its collection stays), uniqueness is
// still enforced, and running it again changes nothing. The other branch,
// every index created, is the one taken on MongoDB.
func TestTheEmbeddedStoreKeepsOnlyItsUniqueIndexes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, db := startEmbeddedDB(t, t.TempDir())
	if embedded, err := IsEmbeddedStore(ctx, db); err != nil || !embedded {
		t.Fatalf("IsEmbeddedStore = %v, %v; want true", embedded, err)
	}
	ixs := []Index{
		{Collection: "cases", Keys: bson.D{{Key: "ref", Value: 1}}, Unique: true, Name: "ref_unique"},
		{Collection: "cases", Keys: bson.D{{Key: "forceId", Value: 1}}, Name: "force"},
		{Collection: "notes", Keys: bson.D{{Key: "at", Value: 1}}, Name: "at"},
	}
	if err := ensureIndexes(ctx, db, ixs, true); err != nil {
		t.Fatal(err)
	}
	if got := indexNames(t, db, "cases"); !slices.Equal(got, []string{"_id_", "force", "ref_unique"}) {
		t.Fatalf("indexes of cases with every index made: %v", got)
	}
	for range 2 {
		if err := EnsureIndexes(ctx, db, ixs); err != nil {
			t.Fatal(err)
		}
		if got := indexNames(t, db, "cases"); !slices.Equal(got, []string{"_id_", "ref_unique"}) {
			t.Fatalf("indexes of cases on the embedded store: %v; want _id_ and ref_unique", got)
		}
		if got := indexNames(t, db, "notes"); !slices.Equal(got, []string{"_id_"}) {
			t.Fatalf("indexes of notes on the embedded store: %v; want _id_ only", got)
		}
	}
	if _, err := db.Collection("cases").InsertOne(ctx, bson.D{{Key: "_id", Value: "a"}, {Key: "ref", Value: "R1"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Collection("cases").InsertOne(ctx, bson.D{{Key: "_id", Value: "b"}, {Key: "ref", Value: "R1"}}); !IsDuplicateKey(err) {
		t.Fatalf("a second case with ref R1: %v; want a duplicate-key error", err)
	}
}

// A collection whose only declared index is non-unique still exists from
// start-up on the embedded store, where that index is not made.
func TestACollectionOfNonUniqueIndexesOnlyExistsFromStartUp(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, db := startEmbeddedDB(t, t.TempDir())
	if err := EnsureIndexes(ctx, db, []Index{{Collection: "notes", Keys: bson.D{{Key: "at", Value: 1}}, Name: "at"}}); err != nil {
		t.Fatal(err)
	}
	names, err := db.ListCollectionNames(ctx, bson.D{})
	if err != nil || !slices.Equal(names, []string{"notes"}) {
		t.Fatalf("collections %v, %v; want notes", names, err)
	}
}

// indexNames lists the names of coll's indexes, sorted.
func indexNames(t *testing.T, db *mongo.Database, coll string) []string {
	t.Helper()
	specs, err := db.Collection(coll).Indexes().ListSpecifications(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range specs {
		names = append(names, s.Name)
	}
	slices.Sort(names)
	return names
}
