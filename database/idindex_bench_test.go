package database

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// idBenchDocs is the size of the collection the _id lookup benchmark reads.
const idBenchDocs = 5000

// BenchmarkFindOneByID finds one document by _id in a collection of
// idBenchDocs documents on the embedded store: "scan" as FerretDB alone
// leaves it, "index" after IndexIDPaths. The periodic sweep is off so that
// "scan" stays a scan.
//
//	go test ./database/ -run '^$' -bench FindOneByID -benchtime 200x
func BenchmarkFindOneByID(b *testing.B) {
	ctx := context.Background()
	port, err := freePort()
	if err != nil {
		b.Fatal(err)
	}
	e, err := startEmbedded(ctx, b.TempDir(), fmt.Sprintf("127.0.0.1:%d", port), nil, 0)
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	c, err := Connect(e.URI())
	if err != nil {
		b.Fatal(err)
	}
	defer c.Disconnect(ctx)
	coll := c.Database("speaksafe").Collection("cases")
	docs := make([]any, idBenchDocs)
	for i := range docs {
		docs[i] = bson.D{{Key: "_id", Value: benchID(i)}, {Key: "forceId", Value: "force-1"},
			{Key: "status", Value: "open"}, {Key: "summary", Value: strings.Repeat("x", 200)}}
	}
	if _, err := coll.InsertMany(ctx, docs); err != nil {
		b.Fatal(err)
	}
	find := func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			// A stride through the ids, so that no one position is favoured.
			id := benchID(i * 7919 % idBenchDocs)
			if err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Err(); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run("scan", find)
	if err := e.IndexIDPaths(ctx); err != nil {
		b.Fatal(err)
	}
	b.Run("index", find)
}

func benchID(i int) string { return fmt.Sprintf("case-%06d", i) }
