package database_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"speaksafe/database"
	"speaksafe/dbtest"
)

// Many callers inserting at once each get their own document's outcome:
// stored, or a duplicate key when its _id was taken before or by another
// caller of the same moment; every document answered stored is stored,
// once.
func TestGroupedInsertsAnswerEachCallerForItsOwnDocument(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	coll := dbtest.New(t).Collection("claims")
	if _, err := coll.InsertOne(ctx, bson.D{{Key: "_id", Value: "taken-3"}}); err != nil {
		t.Fatal(err)
	}
	g := database.NewGroupInsert(coll)
	const callers = 60
	errs := make([]error, callers)
	var wg sync.WaitGroup
	for i := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := fmt.Sprintf("doc-%d", i)
			switch {
			case i == 3:
				id = "taken-3" // stored before
			case i >= 50:
				id = fmt.Sprintf("doc-%d", i-40) // the same _id as another caller
			}
			errs[i] = g.InsertOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "by", Value: i}})
		}()
	}
	wg.Wait()
	stored := map[string]int{}
	for i, err := range errs {
		id := fmt.Sprintf("doc-%d", i)
		if i >= 50 {
			id = fmt.Sprintf("doc-%d", i-40)
		}
		switch {
		case i == 3:
			if !database.IsDuplicateKey(err) {
				t.Errorf("caller %d (an _id stored before): %v, want a duplicate key", i, err)
			}
		case err == nil:
			stored[id]++
		case !database.IsDuplicateKey(err):
			t.Errorf("caller %d: %v", i, err)
		}
	}
	for i := range 50 {
		id := fmt.Sprintf("doc-%d", i)
		want := 1
		if i == 3 {
			want = 0
		}
		if stored[id] != want {
			t.Errorf("%s: %d callers told stored, want %d", id, stored[id], want)
		}
		if i == 3 {
			continue
		}
		var got bson.M
		if err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&got); err != nil {
			t.Errorf("%s answered stored but not found: %v", id, err)
		}
	}
	if n, err := coll.CountDocuments(ctx, bson.D{}); err != nil || n != 50 {
		t.Errorf("%d documents stored (%v), want 50", n, err)
	}
}

// A caller whose context has ended is refused before anything is sent.
func TestGroupedInsertRefusesAnEndedContext(t *testing.T) {
	t.Parallel()
	coll := dbtest.New(t).Collection("claims")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := database.NewGroupInsert(coll).InsertOne(ctx, bson.D{{Key: "_id", Value: "x"}}); err == nil {
		t.Fatal("insert under an ended context succeeded")
	}
	if n, _ := coll.CountDocuments(context.Background(), bson.D{}); n != 0 {
		t.Errorf("%d documents stored, want 0", n)
	}
}
