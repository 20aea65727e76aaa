package audit

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"speaksafe/dbtest"
)

// rewriteUnkeyed replaces entries from seq on, as someone with the
// database but not the key would: edit one entry, then recompute the plain
// SHA-256 chain after it so that every link matches.
func rewriteUnkeyed(t *testing.T, db *mongo.Database, l *Log, from int64) {
	t.Helper()
	ctx := context.Background()
	prev := genesis
	if from > 1 {
		r, err := l.get(ctx, from-1)
		if err != nil {
			t.Fatal(err)
		}
		prev = r.Hash
	}
	for seq := from; ; seq++ {
		r, err := l.get(ctx, seq)
		if err != nil {
			return
		}
		if seq == from {
			r.Actor = "someone else"
		}
		r.Prev, r.Kid = prev, ""
		r.Hash = r.digest()
		prev = r.Hash
		if _, err := db.Collection(colEntries).ReplaceOne(ctx, bson.D{{Key: "_id", Value: seq}}, r); err != nil {
			t.Fatal(err)
		}
	}
}

func TestSecurity21RewrittenEntryWithRecomputedHashesIsDetected(t *testing.T) {
	t.Parallel()
	for _, from := range []int64{1, 3} {
		t.Run("from entry "+strconv.FormatInt(from, 10), func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			db := dbtest.New(t)
			l := New(db, nil, nil, WithKeys(newKeyring("k1").keys(t, "k1")))
			record(t, l, 5)
			reg := prometheus.NewRegistry()
			m := NewMonitor(l, nil, reg)
			if st := m.Check(ctx); !st.OK {
				t.Fatalf("before the rewrite: %+v", st)
			}
			rewriteUnkeyed(t, db, l, from)
			if _, err := l.Verify(ctx); !errors.Is(err, ErrBroken) {
				t.Errorf("Verify after the rewrite: got %v, want ErrBroken", err)
			}
			// A fresh process, and the running monitor, both see it.
			if st := NewMonitor(l, nil, nil).Check(ctx); st.OK {
				t.Errorf("a fresh monitor finds the rewritten chain intact: %+v", st)
			}
			if st := m.Check(ctx); st.OK || gauge(t, reg, "speaksafe_audit_chain_ok") != 0 {
				t.Errorf("the running monitor finds the rewritten chain intact: %+v", st)
			}
		})
	}
}

func TestSecurity21TruncationIsDetectedAndANewSegmentStarts(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		process func(l *Log) *Log // the Log that writes after the cut
	}{
		{"same process", func(l *Log) *Log { return l }},
		{"fresh process", func(l *Log) *Log { return New(l.db, nil, nil, WithKeys(l.keys)) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			l := New(dbtest.New(t), nil, nil, WithKeys(newKeyring("k1").keys(t, "k1")))
			record(t, l, 6)
			reg := prometheus.NewRegistry()
			m := NewMonitor(l, nil, reg)
			st := m.Check(ctx)
			if !st.OK || st.Checkpoint.Seq != 6 || gauge(t, reg, "speaksafe_audit_checkpoint_seq") != 6 {
				t.Fatalf("before the cut: %+v", st)
			}
			deleteEntries(t, l.db, 4)
			w := tc.process(l)
			if err := w.Record(ctx, Entry{Actor: "u2", Action: "case.opened", ObjectType: "case", ObjectID: "x"}); err != nil {
				t.Fatalf("an audit write after the cut failed: %v", err)
			}
			recs, _ := w.Entries(ctx, 0, 100)
			if len(recs) != 5 || recs[3].Action != ActionBreak || recs[4].Action != "case.opened" {
				t.Fatalf("got %d entries %+v, want 3 kept, a break, the new entry", len(recs), recs)
			}
			want := map[string]string{"expectedSeq": "6", "foundSeq": "3", "foundHead": recs[2].Hash}
			for k, v := range want {
				if recs[3].Detail[k] != v {
					t.Errorf("break detail %s: got %q, want %q", k, recs[3].Detail[k], v)
				}
			}
			if _, err := w.Verify(ctx); !errors.Is(err, ErrBroken) {
				t.Errorf("Verify after the cut: got %v, want ErrBroken", err)
			}
			st = m.Check(ctx)
			if st.OK || !strings.Contains(kinds(st.Problems), KindBreak) || gauge(t, reg, "speaksafe_audit_chain_ok") != 0 {
				t.Errorf("monitor after the cut: %+v", st)
			}
		})
	}
}

func TestSecurity21TruncationWithoutWritesIsRecordedByTheMonitor(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	l := New(dbtest.New(t), nil, nil, WithKeys(newKeyring("k1").keys(t, "k1")))
	record(t, l, 4)
	m := NewMonitor(l, nil, nil)
	m.Check(ctx)
	deleteEntries(t, l.db, 3)
	// Another instance, started after the cut, checks first.
	st := NewMonitor(New(l.db, nil, nil, WithKeys(l.keys)), nil, nil).Check(ctx)
	if st.OK || !strings.Contains(kinds(st.Problems), KindBreak) {
		t.Errorf("fresh monitor after the cut: %+v", st)
	}
	recs, _ := l.Entries(ctx, 0, 100)
	if len(recs) != 3 || recs[2].Action != ActionBreak || recs[2].Detail["expectedSeq"] != "4" {
		t.Errorf("got %+v, want the break recorded as entry 3", recs)
	}
	if st := m.Check(ctx); st.OK {
		t.Errorf("the first monitor finds the cut chain intact: %+v", st)
	}
}

func TestSecurity21AcknowledgedProblemsCloseButStayInTheChain(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	l := New(dbtest.New(t), nil, nil, WithKeys(newKeyring("k1").keys(t, "k1")))
	record(t, l, 4)
	m := NewMonitor(l, nil, nil)
	m.Check(ctx)
	deleteEntries(t, l.db, 4)
	st := m.Check(ctx)
	if st.OK {
		t.Fatal("cut not detected")
	}
	if err := l.Acknowledge(ctx, "admin1", st.Entries); err != nil {
		t.Fatal(err)
	}
	if st := m.Check(ctx); !st.OK {
		t.Errorf("after the acknowledgement: %+v", st)
	}
	if st := NewMonitor(l, nil, nil).Check(ctx); !st.OK {
		t.Errorf("a fresh monitor after the acknowledgement: %+v", st)
	}
	recs, _ := l.Entries(ctx, 0, 100)
	if last := recs[len(recs)-1]; last.Action != ActionAcknowledge || last.Actor != "admin1" {
		t.Errorf("last entry %+v, want the admin's acknowledgement", last)
	}
	// A later break is open again.
	record(t, l, 2)
	m.Check(ctx)
	deleteEntries(t, l.db, int64(len(recs)+1))
	if st := m.Check(ctx); st.OK {
		t.Error("a second cut is not detected")
	}
}

func TestSecurity21LegacyUnkeyedEntriesVerifyAsASegment(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := dbtest.New(t)
	// Entries as written before the chain was keyed: plain SHA-256.
	prev := genesis
	for seq := int64(1); seq <= 3; seq++ {
		r := Record{Seq: seq, At: time.Date(2026, 1, 1, 0, 0, int(seq), 0, time.UTC), Actor: "u0", Action: "auth.login",
			ObjectType: "user", ObjectID: "u0", Prev: prev}
		r.Hash = r.digest()
		prev = r.Hash
		if _, err := db.Collection(colEntries).InsertOne(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	l := New(db, nil, nil, WithKeys(newKeyring("k1").keys(t, "k1")))
	record(t, l, 2)
	recs, _ := l.Entries(ctx, 0, 10)
	if recs[2].Kid != "" || recs[3].Kid != "k1" || recs[3].Prev != recs[2].Hash {
		t.Fatalf("got %+v, want the keyed segment to follow the legacy one", recs)
	}
	if n, err := l.Verify(ctx); err != nil || n != 5 {
		t.Errorf("legacy then keyed: got %d, %v; want 5, nil", n, err)
	}
	if st := NewMonitor(l, nil, nil).Check(ctx); !st.OK {
		t.Errorf("monitor: %+v", st)
	}
	// An unkeyed entry after the chain was keyed (an old instance, or a
	// forger) is not accepted.
	last := recs[4]
	forged := Record{Seq: 6, At: last.At, Action: "auth.login", Prev: last.Hash}
	forged.Hash = forged.digest()
	if _, err := db.Collection(colEntries).InsertOne(ctx, forged); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Verify(ctx); !errors.Is(err, ErrBroken) || !strings.Contains(err.Error(), KindLegacy) {
		t.Errorf("unkeyed entry after keyed ones: got %v, want a legacy problem", err)
	}
}

func TestSecurity21KeyRotationKeepsOldEntriesVerifying(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := dbtest.New(t)
	ring := newKeyring("old", "new")
	record(t, New(db, nil, nil, WithKeys(ring.keys(t, "old"))), 2)
	rotated := New(db, nil, nil, WithKeys(ring.keys(t, "new", "old")))
	record(t, rotated, 2)
	recs, _ := rotated.Entries(ctx, 0, 10)
	if recs[1].Kid != "old" || recs[2].Kid != "new" {
		t.Fatalf("kids %q %q, want old then new", recs[1].Kid, recs[2].Kid)
	}
	if _, err := rotated.Verify(ctx); err != nil {
		t.Errorf("after rotation: %v", err)
	}
	if st := NewMonitor(rotated, nil, nil).Check(ctx); !st.OK {
		t.Errorf("monitor after rotation: %+v", st)
	}
	// Retiring the old key too soon is reported, not ignored.
	retired := New(db, nil, nil, WithKeys(ring.keys(t, "new")))
	if _, err := retired.Verify(ctx); !errors.Is(err, ErrBroken) || !strings.Contains(err.Error(), KindKey) {
		t.Errorf("old key removed: got %v, want a key problem", err)
	}
}

func TestSecurity21CheckpointsFollowTheInjectedClock(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := newClock()
	l := New(dbtest.New(t), nil, c.Now, WithKeys(newKeyring("k1").keys(t, "k1")))
	reg := prometheus.NewRegistry()
	m := NewMonitor(l, nil, reg)
	record(t, l, 2)
	first := m.Check(ctx)
	if !first.OK || first.Checkpoint.Seq != 2 || !first.Checkpoint.At.Equal(c.Now()) {
		t.Fatalf("first check: %+v", first)
	}
	c.Advance(time.Minute)
	record(t, l, 3)
	second := m.Check(ctx)
	if second.Checkpoint.N <= first.Checkpoint.N || second.Checkpoint.Seq != 5 || !second.Checkpoint.At.Equal(c.Now()) ||
		!second.CheckedAt.Equal(c.Now()) {
		t.Errorf("a minute later: %+v, want a new checkpoint of entry 5 at %v", second, c.Now())
	}
	if got := gauge(t, reg, "speaksafe_audit_checkpoint_seq"); got != 5 {
		t.Errorf("checkpoint gauge: got %v, want 5", got)
	}
	// Nothing written: the checkpoint still vouches for the head.
	c.Advance(time.Minute)
	if third := m.Check(ctx); third.Checkpoint != second.Checkpoint || !third.OK {
		t.Errorf("idle minute: %+v", third)
	}
}

func TestSecurity21RemovedOrForgedCheckpointsAreReported(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	l := New(dbtest.New(t), nil, nil, WithKeys(newKeyring("k1").keys(t, "k1")))
	record(t, l, 2)
	m := NewMonitor(l, nil, nil)
	st := m.Check(ctx)
	forged := st.Checkpoint
	forged.N, forged.Seq = st.Checkpoint.N+1, 1
	if _, err := l.db.Collection(colCheckpoints).InsertOne(ctx, checkpointDoc{ID: checkpointID(forged.N), Checkpoint: forged}); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Verify(ctx); !errors.Is(err, ErrBroken) || !strings.Contains(err.Error(), "forged") {
		t.Errorf("forged checkpoint: got %v", err)
	}
	if st := m.Check(ctx); st.OK || !strings.Contains(kinds(st.Problems), KindCheckpoint) {
		t.Errorf("forged checkpoint: monitor %+v", st)
	}
	if _, err := l.db.Collection(colCheckpoints).DeleteMany(ctx, bson.D{}); err != nil {
		t.Fatal(err)
	}
	if st := m.Check(ctx); st.OK || !strings.Contains(kinds(st.Problems), KindCheckpoint) {
		t.Errorf("checkpoints removed: %+v", st)
	}
}

func TestSecurity21DeletedMiddleEntryIsReportedAndCheckingGoesOn(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	l := New(dbtest.New(t), nil, nil, WithKeys(newKeyring("k1").keys(t, "k1")))
	record(t, l, 5)
	if _, err := l.db.Collection(colEntries).DeleteOne(ctx, bson.D{{Key: "_id", Value: int64(3)}}); err != nil {
		t.Fatal(err)
	}
	record(t, l, 1)
	m := NewMonitor(l, nil, nil)
	st := m.Check(ctx)
	if st.OK || st.Entries != 6 || !strings.Contains(kinds(st.Problems), KindLink) {
		t.Fatalf("entry 3 deleted: %+v, want a link problem and the walk to reach entry 6", st)
	}
	// An acknowledgement after the gap is still seen.
	if err := l.Acknowledge(ctx, "admin1", 6); err != nil {
		t.Fatal(err)
	}
	if st := m.Check(ctx); !st.OK {
		t.Errorf("after the acknowledgement: %+v", st)
	}
}
