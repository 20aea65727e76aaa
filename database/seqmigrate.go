package database

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

// MigrateSeqKeys moves the documents of a sequence that were stored with a
// numeric _id (before sequences had string keys, see SeqKey) to
// _id SeqKey(n) with the number in field "seq", keeping every other field
// as it is. It is idempotent and safe with several instances running it at
// once: the copy is inserted first (a duplicate means another instance
// already did) and the numeric document deleted after, so a crash in
// between leaves both, and the next run deletes the old one. It reads the
// documents without "seq", a whole-collection read on the embedded store:
// run it at start-up. It returns how many documents it moved.
func MigrateSeqKeys(ctx context.Context, c *mongo.Collection) (int, error) {
	cur, err := c.Find(ctx, bson.D{{Key: "seq", Value: bson.D{{Key: "$exists", Value: false}}}})
	if err != nil {
		return 0, fmt.Errorf("database: %s: sequence keys: %w", c.Name(), err)
	}
	var legacy []bson.D
	if err := cur.All(ctx, &legacy); err != nil {
		return 0, fmt.Errorf("database: %s: sequence keys: %w", c.Name(), err)
	}
	moved := 0
	for _, doc := range legacy {
		id, n, ok := numericID(doc)
		if !ok {
			continue // not a sequence position: left alone
		}
		if _, err := c.InsertOne(ctx, rekeyed(doc, n)); err != nil && !IsDuplicateKey(err) {
			return moved, fmt.Errorf("database: %s: sequence key %d: %w", c.Name(), n, err)
		}
		if _, err := c.DeleteOne(ctx, bson.D{{Key: "_id", Value: id}}); err != nil {
			return moved, fmt.Errorf("database: %s: sequence key %d: %w", c.Name(), n, err)
		}
		moved++
	}
	return moved, nil
}

// numericID returns a legacy document's numeric _id and the position it
// names.
func numericID(doc bson.D) (any, int64, bool) {
	for _, e := range doc {
		if e.Key != "_id" {
			continue
		}
		switch v := e.Value.(type) {
		case int64:
			return v, v, v >= 0
		case int32:
			return v, int64(v), v >= 0
		}
		return nil, 0, false
	}
	return nil, 0, false
}

// rekeyed is doc with _id SeqKey(n) and "seq" n, other fields unchanged.
func rekeyed(doc bson.D, n int64) bson.D {
	out := make(bson.D, 0, len(doc)+1)
	out = append(out, bson.E{Key: "_id", Value: SeqKey(n)}, bson.E{Key: "seq", Value: n})
	for _, e := range doc {
		if e.Key != "_id" {
			out = append(out, e)
		}
	}
	return out
}
