package database

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

// FindByID reads the document of c whose _id is id. A filter of exactly
// {_id: id} is the one shape the embedded store answers from its index, so
// this is the one way a store reads a single document; id is a string
// because the index serves no other type (see SeqKey). A missing document
// answers notFound as it is (a domain error such as one wrapping
// errkind.NotFound), or the zero T and no error when notFound is nil, for
// reads where absence is normal (a hint, a counter not yet started).
func FindByID[T any](ctx context.Context, c *mongo.Collection, id string, notFound error) (T, error) {
	var v T
	err := c.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&v)
	if IsNotFound(err) {
		var zero T
		return zero, notFound
	}
	if err != nil {
		var zero T
		return zero, fmt.Errorf("database: %s: %w", c.Name(), err)
	}
	return v, nil
}

// ErrClaimed is what Claim answers when the _id is already claimed.
var ErrClaimed = errors.New("database: already claimed")

// Claim makes a write exclusive on both stores: it inserts claim, a
// document whose _id (id) is the unique thing claimed (an email address, a
// code, a run of a sweep), into claims and then runs write. An _id taken
// already answers ErrClaimed and write does not run: inserting a duplicate
// _id fails atomically on the embedded store, where a conditional update
// is not exclusive. When write fails the claim is deleted again, with a
// context that outlives ctx so that a client going away cannot strand it;
// a deletion that fails anyway is logged with the claim's collection and
// _id, so that an operator (or a sweep comparing claims with the documents
// they stand for) can release it.
func Claim(ctx context.Context, log *slog.Logger, claims *mongo.Collection, id, claim any, write func(context.Context) error) error {
	if _, err := claims.InsertOne(ctx, claim); err != nil {
		if IsDuplicateKey(err) {
			return fmt.Errorf("database: claim %s: %w", claims.Name(), ErrClaimed)
		}
		return fmt.Errorf("database: claim %s: %w", claims.Name(), err)
	}
	if err := write(ctx); err != nil {
		Release(ctx, log, claims, id)
		return err
	}
	return nil
}

// Release deletes claim id from claims with a context that outlives ctx,
// and logs a failure: the compensating half of Claim, for a write that
// fails after Claim returned.
func Release(ctx context.Context, log *slog.Logger, claims *mongo.Collection, id any) {
	_, err := claims.DeleteOne(context.WithoutCancel(ctx), bson.D{{Key: "_id", Value: id}})
	if err != nil && log != nil {
		log.ErrorContext(ctx, "claim not released; it blocks its value until removed",
			"collection", claims.Name(), "claim_id", id, "error", err)
	}
}
