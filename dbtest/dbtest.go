// Package dbtest gives each test its own MongoDB database: on the server named
// by TEST_MONGODB_URI, or on one embedded MongoDB-wire server started once per
// test binary. It records the shape of every query the code under test sends
// to that database and fails the test on a shape not listed in
// queryshapes.txt, whose every line a test checks against the declared
// indexes.
package dbtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"speaksafe/database"
)

var shared struct {
	once   sync.Once
	uri    string
	client *mongo.Client
	shapes *recorder
	err    error
	// embedded is the in-process store; nil with TEST_MONGODB_URI.
	embedded *database.Embedded
}

// URI returns the connection string of the test server, starting the
// embedded one on first use. The embedded server lives until the test binary
// exits; its files are in a temporary directory.
func URI(t testing.TB) string {
	t.Helper()
	start(t)
	return shared.uri
}

func start(t testing.TB) {
	shared.once.Do(func() {
		if uri := os.Getenv("TEST_MONGODB_URI"); uri != "" {
			shared.uri = uri
		} else {
			dir, err := os.MkdirTemp("", "speaksafe-dbtest-")
			if err != nil {
				shared.err = err
				return
			}
			e, err := database.StartEmbeddedForTests(context.Background(), dir, "", nil)
			if err != nil {
				shared.err = err
				return
			}
			shared.uri, shared.embedded = e.URI(), e
		}
		shared.shapes = newRecorder()
		shared.client, shared.err = database.Connect(shared.uri, options.Client().SetMonitor(shared.shapes.monitor()))
	})
	if shared.err != nil {
		t.Fatalf("dbtest: %v", shared.err)
	}
}

// IndexIDPaths gives every collection of the embedded test store its _id
// path index now, as the server does after its set-up (the store's own
// sweep does it only every few seconds): a benchmark that seeds
// collections created after the set-up calls it before measuring reads by
// _id. Against TEST_MONGODB_URI it does nothing.
func IndexIDPaths(t testing.TB) {
	t.Helper()
	start(t)
	if shared.embedded == nil {
		return
	}
	if err := shared.embedded.IndexIDPaths(context.Background()); err != nil {
		t.Fatalf("dbtest: _id indexes: %v", err)
	}
}

// ExternalURI returns TEST_MONGODB_URI and true when the tests run against
// a store in another process: the production configuration path, where an
// app under test must not take the shortcuts of the in-process store (rate
// limits counted in memory, one connection pool).
func ExternalURI() (string, bool) {
	uri := os.Getenv("TEST_MONGODB_URI")
	return uri, uri != ""
}

var unsafeChars = regexp.MustCompile(`[^a-zA-Z0-9]+`)

// NewName returns a fresh database name for t without creating anything.
func NewName(t testing.TB) string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	name := unsafeChars.ReplaceAllString(t.Name(), "_")
	if len(name) > 40 {
		name = name[len(name)-40:]
	}
	return fmt.Sprintf("t_%s_%s", name, hex.EncodeToString(b))
}

// New returns an empty database for t, dropped when t ends.
func New(t testing.TB) *mongo.Database {
	t.Helper()
	start(t)
	db := shared.client.Database(NewName(t))
	t.Cleanup(func() { _ = db.Drop(context.Background()) })
	shared.shapes.watch(t, db.Name())
	return db
}

// Named returns a client-side handle on database name of the test server,
// dropped when t ends; for tests that start a server on their own database.
func Named(t testing.TB, name string) *mongo.Database {
	t.Helper()
	start(t)
	db := shared.client.Database(name)
	t.Cleanup(func() { _ = db.Drop(context.Background()) })
	shared.shapes.watch(t, db.Name())
	return db
}

// Dump returns every document of every collection of db as extended JSON,
// one line each prefixed by its collection, so that privacy tests can look
// for text that must not be stored anywhere.
func Dump(t testing.TB, db *mongo.Database) string {
	t.Helper()
	ctx := context.Background()
	names, err := db.ListCollectionNames(ctx, bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, name := range names {
		cur, err := db.Collection(name).Find(ctx, bson.D{})
		if err != nil {
			t.Fatal(err)
		}
		var docs []bson.M
		if err := cur.All(ctx, &docs); err != nil {
			t.Fatal(err)
		}
		for _, d := range docs {
			j, _ := bson.MarshalExtJSON(d, false, false)
			b.WriteString(name + " ")
			b.Write(j)
			b.WriteByte('\n')
		}
	}
	return b.String()
}
