package database

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// ClaimedAtField is the field of a claim document that holds when it was
// made. A claim keeps it until SweepClaims has seen its owner, so only
// claims not yet checked carry it.
const ClaimedAtField = "claimedAt"

// ClaimIndex is the index SweepClaims needs on a claims collection.
func ClaimIndex(collection string) Index {
	return Index{Collection: collection, Keys: bson.D{{Key: ClaimedAtField, Value: 1}}, Name: "claimed_at"}
}

// SweepClaims repairs what a failed Release leaves behind. Every claim of
// claims made before cutoff (long enough ago that its write has finished
// or failed) is checked once: when owned reports that the document it was
// claimed for exists, its ClaimedAtField is removed and it is not checked
// again; when not, the claim stands for nothing and is deleted, which
// frees its value. It answers how many claims it deleted.
func SweepClaims(ctx context.Context, claims *mongo.Collection, cutoff time.Time, owned func(ctx context.Context, claim bson.Raw) (bool, error)) (int, error) {
	cur, err := claims.Find(ctx, bson.D{{Key: ClaimedAtField, Value: bson.D{{Key: "$lt", Value: cutoff}}}})
	if err != nil {
		return 0, fmt.Errorf("database: sweep %s: %w", claims.Name(), err)
	}
	var docs []bson.Raw
	if err := cur.All(ctx, &docs); err != nil {
		return 0, fmt.Errorf("database: sweep %s: %w", claims.Name(), err)
	}
	deleted := 0
	for _, d := range docs {
		ok, err := owned(ctx, d)
		if err != nil {
			return deleted, fmt.Errorf("database: sweep %s: %w", claims.Name(), err)
		}
		id := bson.D{{Key: "_id", Value: d.Lookup("_id")}}
		if ok {
			_, err = claims.UpdateOne(ctx, id, bson.D{{Key: "$unset", Value: bson.D{{Key: ClaimedAtField, Value: ""}}}})
		} else {
			_, err = claims.DeleteOne(ctx, id)
		}
		if err != nil {
			return deleted, fmt.Errorf("database: sweep %s: %w", claims.Name(), err)
		}
		if !ok {
			deleted++
		}
	}
	return deleted, nil
}

// Exists reports whether c holds a document whose _id is id; only the
// _id is read.
func Exists(ctx context.Context, c *mongo.Collection, id any) (bool, error) {
	err := c.FindOne(ctx, bson.D{{Key: "_id", Value: id}}, options.FindOne().SetProjection(bson.D{{Key: "_id", Value: 1}})).Err()
	if IsNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("database: %s: %w", c.Name(), err)
	}
	return true, nil
}
