package database_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"speaksafe/database"
	"speaksafe/dbtest"
)

type thing struct {
	ID   string `bson:"_id"`
	Name string `bson:"name"`
}

var errNoThing = errors.New("things: no such thing")

// FindByID answers the document, the caller's not-found error for a
// missing one, or the zero value and no error when absence is normal.
func TestFindByID(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	ctx := context.Background()
	c := db.Collection("things")
	if _, err := c.InsertOne(ctx, thing{ID: "a", Name: "Alpha"}); err != nil {
		t.Fatal(err)
	}
	got, err := database.FindByID[thing](ctx, c, "a", errNoThing)
	if err != nil || got.Name != "Alpha" {
		t.Errorf("found: got %+v, %v; want Alpha", got, err)
	}
	if _, err := database.FindByID[thing](ctx, c, "b", errNoThing); !errors.Is(err, errNoThing) {
		t.Errorf("missing: got %v, want the caller's error", err)
	}
	if got, err := database.FindByID[thing](ctx, c, "b", nil); err != nil || got != (thing{}) {
		t.Errorf("missing with nil: got %+v, %v; want the zero value and no error", got, err)
	}
	if _, err := c.InsertOne(ctx, bson.D{{Key: "_id", Value: "bad"}, {Key: "name", Value: 7}}); err != nil {
		t.Fatal(err)
	}
	_, err = database.FindByID[thing](ctx, c, "bad", errNoThing)
	if err == nil || errors.Is(err, errNoThing) || !strings.HasPrefix(err.Error(), "database: things: ") {
		t.Errorf("undecodable: got %v, want a database error that is not not-found", err)
	}
}

// Of many racers claiming one value, exactly one runs its write; a failed
// write releases the claim even when the caller's context is already
// cancelled, so that the value can be claimed again.
func TestClaimIsExclusiveAndReleasedWhenTheWriteFails(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	claims, things := db.Collection("claims"), db.Collection("things")
	var wg sync.WaitGroup
	var mu sync.Mutex
	wrote, refused := 0, 0
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := database.Claim(context.Background(), nil, claims, "x", bson.D{{Key: "_id", Value: "x"}}, func(ctx context.Context) error {
				_, err := things.InsertOne(ctx, thing{ID: string(rune('a' + i)), Name: "x"})
				return err
			})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				wrote++
			case errors.Is(err, database.ErrClaimed):
				refused++
			default:
				t.Errorf("racer %d: %v", i, err)
			}
		}()
	}
	wg.Wait()
	if wrote != 1 || refused != 7 {
		t.Errorf("got %d writes and %d refusals, want 1 and 7", wrote, refused)
	}

	ctx, cancel := context.WithCancel(context.Background())
	failed := errors.New("write failed")
	err := database.Claim(ctx, nil, claims, "y", bson.D{{Key: "_id", Value: "y"}}, func(context.Context) error {
		cancel() // the client goes away while the write fails
		return failed
	})
	if !errors.Is(err, failed) {
		t.Fatalf("got %v, want the write's error", err)
	}
	if n, err := claims.CountDocuments(context.Background(), bson.D{{Key: "_id", Value: "y"}}); err != nil || n != 0 {
		t.Errorf("claim y left behind after the write failed: %d (%v)", n, err)
	}
	err = database.Claim(context.Background(), nil, claims, "y", bson.D{{Key: "_id", Value: "y"}}, func(context.Context) error { return nil })
	if err != nil {
		t.Errorf("claim y again: %v", err)
	}
}

// A release that cannot be made is logged, naming the collection.
func TestReleaseFailureIsLogged(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	var logs strings.Builder
	log := slog.New(slog.NewJSONHandler(&logs, nil))
	// A collection name the server refuses makes the deletion fail.
	database.Release(context.Background(), log, db.Collection("bad$name"), "z")
	if !strings.Contains(logs.String(), `"level":"ERROR"`) || !strings.Contains(logs.String(), `"collection":"bad$name"`) {
		t.Errorf("failed release not logged: %s", logs.String())
	}
}
