package database

import (
	"context"
	"errors"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

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
