package audit

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"speaksafe/database"
	"speaksafe/dbtest"
)

func TestConcurrentWritersNeverForkTheChain(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	ctx := context.Background()
	ring := newKeyring("k1")
	// Four Logs over one database stand for four instances, each also
	// checkpointing while the others write.
	var logs []*Log
	for range 4 {
		logs = append(logs, New(db, nil, nil, WithKeys(ring.keys(t, "k1"))))
	}
	var wg sync.WaitGroup
	for i, l := range logs {
		for j := range 10 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := l.Record(ctx, Entry{Actor: fmt.Sprint("u", i), Action: "test.write", ObjectID: fmt.Sprint(j)}); err != nil {
					t.Errorf("record: %v", err)
				}
				if j%3 == 0 {
					if _, err := l.Checkpoint(ctx); err != nil {
						t.Errorf("checkpoint: %v", err)
					}
				}
			}()
		}
	}
	wg.Wait()
	n, err := logs[0].Verify(ctx)
	if err != nil || n != 40 {
		t.Errorf("got %d chained entries (%v), want 40 and an intact chain", n, err)
	}
	// Every stored checkpoint is genuine and vouches for an entry the one
	// chain holds: no instance forked the checkpoints either.
	last, err := logs[0].latestCheckpoint(ctx, 0)
	if err != nil || last.N < 1 {
		t.Fatalf("latest checkpoint %+v, %v", last, err)
	}
	for k := int64(1); k <= last.N; k++ {
		c, ok, err := logs[0].getCheckpoint(ctx, k)
		if err != nil || !ok || !logs[0].genuine(c) {
			t.Fatalf("checkpoint %d: %+v %v %v", k, c, ok, err)
		}
		if r, err := logs[0].get(ctx, c.Seq); c.Seq > 0 && (err != nil || r.Hash != c.Head) {
			t.Errorf("checkpoint %d vouches for entry %d %s; the chain holds %s (%v)", k, c.Seq, c.Head, r.Hash, err)
		}
	}
}

func TestVerifyDetectsTampering(t *testing.T) {
	t.Parallel()
	cases := map[string]func(ctx context.Context, t *testing.T, l *Log){
		"edited detail": func(ctx context.Context, t *testing.T, l *Log) {
			_, err := l.db.Collection(colEntries).UpdateOne(ctx, bson.D{{Key: "_id", Value: database.SeqKey(2)}},
				bson.D{{Key: "$set", Value: bson.D{{Key: "actor", Value: "someone else"}}}})
			if err != nil {
				t.Fatal(err)
			}
		},
		"deleted entry": func(ctx context.Context, t *testing.T, l *Log) {
			if _, err := l.db.Collection(colEntries).DeleteOne(ctx, bson.D{{Key: "_id", Value: database.SeqKey(2)}}); err != nil {
				t.Fatal(err)
			}
		},
		"rewritten hash": func(ctx context.Context, t *testing.T, l *Log) {
			r, _ := l.get(ctx, 2)
			r.Action = "forged"
			r.Hash = r.digest()
			if _, err := l.db.Collection(colEntries).ReplaceOne(ctx, bson.D{{Key: "_id", Value: database.SeqKey(2)}}, r); err != nil {
				t.Fatal(err)
			}
		},
		"signed under a key that is not configured": func(ctx context.Context, t *testing.T, l *Log) {
			other := New(l.db, nil, nil) // a random key of its own
			r, _ := l.get(ctx, 3)
			r.Kid = other.keys.current
			r.Hash, _ = other.keys.mac(r.Kid, r.signed())
			if _, err := l.db.Collection(colEntries).ReplaceOne(ctx, bson.D{{Key: "_id", Value: database.SeqKey(3)}}, r); err != nil {
				t.Fatal(err)
			}
		},
	}
	for name, tamper := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			l := New(dbtest.New(t), nil, nil, WithKeys(newKeyring("k1").keys(t, "k1")))
			record(t, l, 3)
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
	ring := newKeyring("k1")
	// More entries than the head hint's step: the hint lags the head.
	first := New(db, nil, nil, WithKeys(ring.keys(t, "k1")))
	for range hintEvery + 7 {
		if err := first.Record(ctx, Entry{Action: "a"}); err != nil {
			t.Fatal(err)
		}
	}
	// A fresh process finds the head and links to it.
	l := New(db, nil, nil, WithKeys(ring.keys(t, "k1")))
	if err := l.Record(ctx, Entry{Action: "b"}); err != nil {
		t.Fatal(err)
	}
	recs, err := l.Entries(ctx, 0, 100)
	n := hintEvery + 8
	if err != nil || len(recs) != n || recs[n-1].Action != "b" || recs[n-1].Prev != recs[n-2].Hash {
		t.Errorf("got %d entries (%v), want %d linked, the fresh process's last", len(recs), err, n)
	}
	if _, err := l.Verify(ctx); err != nil {
		t.Errorf("verify: %v", err)
	}
}

func TestParseKeysRefusesWeakOrMalformedKeys(t *testing.T) {
	t.Parallel()
	ring := newKeyring("a")
	for _, bad := range []string{"", "nokid", "a:short", "a:" + ring["a"] + ",a:" + ring["a"], "bad kid:" + ring["a"], "a:!!!"} {
		if _, err := ParseKeys(bad); err == nil {
			t.Errorf("ParseKeys(%q) accepted", bad)
		}
	}
	if _, err := ParseKeys("a:" + ring["a"]); err != nil {
		t.Errorf("good key refused: %v", err)
	}
}
