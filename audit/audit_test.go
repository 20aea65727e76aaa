package audit

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"speaksafe/dbtest"
)

func TestConcurrentWritersNeverForkTheChain(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	ctx := context.Background()
	// Four Logs over one database stand for four instances.
	logs := []*Log{New(db, nil, nil), New(db, nil, nil), New(db, nil, nil), New(db, nil, nil)}
	var wg sync.WaitGroup
	for i, l := range logs {
		for j := range 10 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := l.Record(ctx, Entry{Actor: fmt.Sprint("u", i), Action: "test.write", ObjectID: fmt.Sprint(j)}); err != nil {
					t.Errorf("record: %v", err)
				}
			}()
		}
	}
	wg.Wait()
	n, err := logs[0].Verify(ctx)
	if err != nil || n != 40 {
		t.Errorf("got %d chained entries (%v), want 40 and an intact chain", n, err)
	}
}

func TestVerifyDetectsTampering(t *testing.T) {
	t.Parallel()
	cases := map[string]func(ctx context.Context, t *testing.T, l *Log){
		"edited detail": func(ctx context.Context, t *testing.T, l *Log) {
			_, err := l.db.Collection(colEntries).UpdateOne(ctx, bson.D{{Key: "_id", Value: int64(2)}},
				bson.D{{Key: "$set", Value: bson.D{{Key: "actor", Value: "someone else"}}}})
			if err != nil {
				t.Fatal(err)
			}
		},
		"deleted entry": func(ctx context.Context, t *testing.T, l *Log) {
			if _, err := l.db.Collection(colEntries).DeleteOne(ctx, bson.D{{Key: "_id", Value: int64(2)}}); err != nil {
				t.Fatal(err)
			}
		},
		"rewritten hash": func(ctx context.Context, t *testing.T, l *Log) {
			r, _ := l.get(ctx, 2)
			r.Action = "forged"
			r.Hash = r.digest()
			if _, err := l.db.Collection(colEntries).ReplaceOne(ctx, bson.D{{Key: "_id", Value: int64(2)}}, r); err != nil {
				t.Fatal(err)
			}
		},
	}
	for name, tamper := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			l := New(dbtest.New(t), nil, nil)
			for i := range 3 {
				if err := l.Record(ctx, Entry{Actor: "u1", Action: "case.read", ObjectType: "case", ObjectID: fmt.Sprint(i),
					Detail: map[string]string{"k": "v"}}); err != nil {
					t.Fatal(err)
				}
			}
			if n, err := l.Verify(ctx); err != nil || n != 3 {
				t.Fatalf("before tampering: got %d, %v; want 3, nil", n, err)
			}
			tamper(ctx, t, l)
			if _, err := l.Verify(ctx); !errors.Is(err, ErrBroken) {
				t.Errorf("got %v, want ErrBroken", err)
			}
		})
	}
}

func TestRecordContinuesAfterRestart(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	ctx := context.Background()
	if err := New(db, nil, nil).Record(ctx, Entry{Action: "a"}); err != nil {
		t.Fatal(err)
	}
	// A fresh process finds the head and links to it.
	if err := New(db, nil, nil).Record(ctx, Entry{Action: "b"}); err != nil {
		t.Fatal(err)
	}
	recs, err := New(db, nil, nil).Entries(ctx, 0, 10)
	if err != nil || len(recs) != 2 || recs[1].Prev != recs[0].Hash {
		t.Errorf("got %+v (%v), want two linked entries", recs, err)
	}
}
