package dbtest

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/event"
)

// fakeTB collects what the recorder reports at cleanup.
type fakeTB struct {
	testing.TB
	errors   []string
	cleanups []func()
}

func (f *fakeTB) Errorf(format string, args ...any) {
	f.errors = append(f.errors, fmt.Sprintf(format, args...))
}
func (f *fakeTB) Cleanup(fn func()) { f.cleanups = append(f.cleanups, fn) }
func (f *fakeTB) end() {
	for i := len(f.cleanups) - 1; i >= 0; i-- {
		f.cleanups[i]()
	}
}

func command(t *testing.T, d bson.D) bson.Raw {
	t.Helper()
	b, err := bson.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestAQueryShapeNotListedFailsTheTestThatSentIt(t *testing.T) {
	t.Setenv(recordEnv, "")
	r := &recorder{known: map[string]bool{"cases find filter=_id": true}, byDB: map[string]map[string]bool{}}
	tb := &fakeTB{TB: t}
	r.watch(tb, "db1")
	send := r.monitor().Started
	send(context.Background(), &event.CommandStartedEvent{DatabaseName: "db1", CommandName: "find",
		Command: command(t, bson.D{{Key: "find", Value: "cases"}, {Key: "filter", Value: bson.D{{Key: "_id", Value: "c1"}}}})})
	send(context.Background(), &event.CommandStartedEvent{DatabaseName: "db1", CommandName: "find",
		Command: command(t, bson.D{{Key: "find", Value: "cases"}, {Key: "filter", Value: bson.D{{Key: "handle", Value: "h"}}}})})
	send(context.Background(), &event.CommandStartedEvent{DatabaseName: "other", CommandName: "find",
		Command: command(t, bson.D{{Key: "find", Value: "cases"}, {Key: "filter", Value: bson.D{{Key: "x", Value: 1}}}})})
	tb.end()
	if len(tb.errors) != 1 || !strings.Contains(tb.errors[0], "cases find filter=handle") || strings.Contains(tb.errors[0], "filter=_id") || strings.Contains(tb.errors[0], "filter=x") {
		t.Fatalf("got %q, want one error naming only the unlisted shape of db1", tb.errors)
	}
}

func TestShapesOfEveryQueryingCommand(t *testing.T) {
	t.Parallel()
	filter := bson.D{{Key: "forceId", Value: "f"}, {Key: "$or", Value: bson.A{
		bson.D{{Key: "urgent", Value: bson.D{{Key: "$lt", Value: true}}}},
		bson.D{{Key: "createdAt", Value: bson.D{{Key: "$gt", Value: 1}}}},
	}}, {Key: "$and", Value: bson.A{bson.D{{Key: "status", Value: bson.D{{Key: "$in", Value: bson.A{"a"}}}}}}},
		{Key: "closedAt", Value: bson.D{{Key: "$gte", Value: 1}}}, {Key: "state", Value: bson.D{{Key: "$ne", Value: "v"}}}}
	sortDoc := bson.D{{Key: "urgent", Value: -1}, {Key: "createdAt", Value: int64(1)}}
	const want = "cases %s filter=closedAt:range,createdAt:or,forceId,state:other,status:in,urgent:or"
	for _, tc := range []struct {
		cmd  bson.D
		want string
	}{
		{bson.D{{Key: "find", Value: "cases"}, {Key: "filter", Value: filter}, {Key: "sort", Value: sortDoc}}, fmt.Sprintf(want, "find") + " sort=urgent:-1,createdAt:1"},
		{bson.D{{Key: "findAndModify", Value: "cases"}, {Key: "query", Value: filter}}, fmt.Sprintf(want, "findAndModify")},
		{bson.D{{Key: "update", Value: "cases"}, {Key: "updates", Value: bson.A{bson.D{{Key: "q", Value: filter}}}}}, fmt.Sprintf(want, "update")},
		{bson.D{{Key: "delete", Value: "cases"}, {Key: "deletes", Value: bson.A{bson.D{{Key: "q", Value: filter}}}}}, fmt.Sprintf(want, "delete")},
		{bson.D{{Key: "count", Value: "cases"}, {Key: "query", Value: filter}}, fmt.Sprintf(want, "count")},
		{bson.D{{Key: "aggregate", Value: "cases"}, {Key: "pipeline", Value: bson.A{
			bson.D{{Key: "$match", Value: filter}}, bson.D{{Key: "$sort", Value: sortDoc}}}}}, fmt.Sprintf(want, "aggregate") + " sort=urgent:-1,createdAt:1"},
	} {
		name := tc.cmd[0].Key
		got := shapesOf(name, command(t, tc.cmd))
		if len(got) != 1 || got[0].String() != tc.want {
			t.Errorf("%s: got %v, want %s", name, got, tc.want)
			continue
		}
		back, err := ParseShape(got[0].String())
		if err != nil || back.String() != tc.want {
			t.Errorf("%s: parsed back as %v, %v", name, back, err)
		}
	}
	if got := shapesOf("insert", command(t, bson.D{{Key: "insert", Value: "cases"}})); len(got) != 0 {
		t.Errorf("insert: got %v, want no shape", got)
	}
}
