package database_test

import (
	"context"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"go.mongodb.org/mongo-driver/v2/bson"

	"speaksafe/database"
	"speaksafe/dbtest"
)

// An operator reads from /metrics how many store commands, and how many
// writes, the app has sent: the cost of a request in round trips.
func TestCommandsCountsWhatTheClientSends(t *testing.T) {
	ctx := context.Background()
	cmds := database.NewCommands()
	client, err := database.Connect(dbtest.URI(t), cmds.ClientOptions())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = client.Disconnect(ctx) })
	coll := client.Database(dbtest.NewName(t)).Collection("things")
	t.Cleanup(func() { _ = coll.Database().Drop(ctx) })

	before := cmds.Writes()
	for i := range 3 {
		if _, err := coll.InsertOne(ctx, bson.M{"_id": i}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := coll.UpdateOne(ctx, bson.M{"_id": 1}, bson.M{"$set": bson.M{"x": 1}}); err != nil {
		t.Fatal(err)
	}
	if err := coll.FindOne(ctx, bson.M{"_id": 2}).Err(); err != nil {
		t.Fatal(err)
	}
	if got := cmds.Writes() - before; got != 4 {
		t.Errorf("writes counted: %d, want 4 (3 inserts and 1 update; the find is not a write)", got)
	}

	reg := prometheus.NewRegistry()
	reg.MustRegister(cmds)
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, f := range families {
		if f.GetName() != "speaksafe_store_commands_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			got[m.GetLabel()[0].GetValue()] = m.GetCounter().GetValue()
		}
	}
	if got["insert"] < 3 || got["update"] < 1 || got["find"] < 1 {
		t.Errorf("/metrics says %v; want at least 3 inserts, 1 update and 1 find", got)
	}
}
