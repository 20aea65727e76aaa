package reports

import (
	"context"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// Every queue change is read back by _id (each instance's catch-up, the
// search for the newest change), so the embedded store must find it from
// its _id index rather than by reading every change: the store's own
// explain of a find of each stored change's _id says the filter went to
// SQLite. With numeric ids it did not, and a bulk load of N open cases
// cost O(N²) (docs/PERFORMANCE.md, growth).
func TestQueueChangesAreFoundByIndexOnTheEmbeddedStore(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.submit(t, routine("first"))
	e.submit(t, routine("second"))
	ctx := context.Background()
	cur, err := e.db.Collection(collQueueChanges).Find(ctx, bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	var changes []bson.M
	if err := cur.All(ctx, &changes); err != nil {
		t.Fatal(err)
	}
	if len(changes) < 2 {
		t.Fatalf("%d queue changes after two reports; want at least 2", len(changes))
	}
	for _, c := range changes {
		var res bson.M
		cmd := bson.D{{Key: "explain", Value: bson.D{{Key: "find", Value: collQueueChanges},
			{Key: "filter", Value: bson.D{{Key: "_id", Value: c["_id"]}}}}}}
		if err := e.db.RunCommand(ctx, cmd).Decode(&res); err != nil {
			t.Fatal(err)
		}
		pushed, ok := res["filterPushdown"]
		if !ok {
			t.Skip("not the embedded store: MongoDB explains otherwise")
		}
		if pushed != true {
			t.Errorf("change %v (%T): the store reads every change to find it (filterPushdown %v)", c["_id"], c["_id"], pushed)
		}
	}
}
