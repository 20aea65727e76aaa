package audit

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"go.mongodb.org/mongo-driver/v2/bson"
	"golang.org/x/time/rate"
)

// ErrBroken says the chain was altered: an entry is missing, edited or out
// of order, or the chain no longer matches a signed checkpoint.
var ErrBroken = errors.New("audit: chain broken")

// Problem is one thing wrong with the chain, at entry Seq.
type Problem struct {
	Seq    int64
	Kind   string
	Detail string
}

// Kinds of Problem.
const (
	KindLink       = "link"       // an entry does not link to the one before it
	KindHash       = "hash"       // an entry's HMAC (or legacy hash) is wrong
	KindKey        = "key"        // an entry names a key that is not configured
	KindLegacy     = "legacy"     // an unkeyed entry where the chain is keyed
	KindBreak      = "break"      // a recorded break: the chain was cut short or rewritten
	KindCheckpoint = "checkpoint" // the chain or the checkpoints disagree with a signed checkpoint
)

// walker checks entries in order and keeps the open problems: those not
// yet acknowledged by a later, genuine acknowledgement entry.
type walker struct {
	l         *Log
	seq       int64
	hash      string
	keyed     bool
	legacyEnd int64 // unkeyed entries may only be at or below it; -1: unknown
	problems  []Problem
	acked     int64 // problems at or before it were acknowledged
	count     int64 // entries stepped through
	// stepped, when set, is told the count after each entry.
	stepped func(n int64)
	// visit, when set, is handed each entry before it is checked; an
	// error stops the walk before the entry, to be walked again.
	visit func(context.Context, Record) error
}

func (l *Log) newWalker(ctx context.Context) (*walker, error) {
	if err := l.migrateKeys(ctx); err != nil {
		return nil, err
	}
	w := &walker{l: l, hash: genesis, legacyEnd: -1}
	first, ok, err := l.getCheckpoint(ctx, 1)
	if err != nil {
		return nil, err
	}
	if ok && l.genuine(first) {
		w.legacyEnd = first.Seq
	}
	return w, nil
}

func (w *walker) add(seq int64, kind, format string, args ...any) {
	w.problems = append(w.problems, Problem{Seq: seq, Kind: kind, Detail: fmt.Sprintf(format, args...)})
}

// step checks r, the entry after w's position, and moves to it.
func (w *walker) step(r Record) {
	if r.Prev != w.hash {
		w.add(r.Seq, KindLink, "entry %d does not link to entry %d", r.Seq, w.seq)
	}
	genuine := w.checkHash(r)
	w.seq, w.hash = r.Seq, r.Hash
	if !genuine || r.Kid == "" {
		return
	}
	switch r.Action {
	case ActionBreak:
		w.add(r.Seq, KindBreak, "chain cut short or rewritten: expected entry %s with head %s, found entry %s with head %s",
			r.Detail["expectedSeq"], r.Detail["expectedHead"], r.Detail["foundSeq"], r.Detail["foundHead"])
	case ActionAcknowledge:
		if through, err := strconv.ParseInt(r.Detail["through"], 10, 64); err == nil {
			w.acknowledge(min(through, r.Seq))
		}
	}
}

// checkHash checks r's HMAC, or its legacy hash, and reports whether r is
// genuine.
func (w *walker) checkHash(r Record) bool {
	if r.Kid == "" {
		switch {
		case w.keyed:
			w.add(r.Seq, KindLegacy, "unkeyed entry %d after keyed ones", r.Seq)
		case w.legacyEnd >= 0 && r.Seq > w.legacyEnd:
			w.add(r.Seq, KindLegacy, "unkeyed entry %d after the chain was keyed at entry %d", r.Seq, w.legacyEnd)
		}
		if r.digest() != r.Hash {
			w.add(r.Seq, KindHash, "entry %d was altered", r.Seq)
			return false
		}
		return true
	}
	w.keyed = true
	if !w.l.checkMACs {
		return true
	}
	if _, ok := w.l.keys.keys[r.Kid]; !ok {
		w.add(r.Seq, KindKey, "entry %d is signed with key %q, which is not configured", r.Seq, r.Kid)
		return false
	}
	if !w.l.keys.valid(r.Kid, r.signed(), r.Hash) {
		w.add(r.Seq, KindHash, "entry %d was altered or forged", r.Seq)
		return false
	}
	return true
}

// acknowledge closes the problems at or before through.
func (w *walker) acknowledge(through int64) {
	w.acked = max(w.acked, through)
	w.problems = unacknowledged(w.problems, through)
}

// walk steps through every stored entry after w's position. A gap below
// until (the furthest position known to have been written) is a problem,
// and the walk goes on after it, so that later entries, acknowledgements
// included, are still checked.
func (w *walker) walk(ctx context.Context, until int64, pace *rate.Limiter) error {
	for {
		if pace != nil {
			if err := pace.Wait(ctx); err != nil {
				return fmt.Errorf("audit: verify: %w", err)
			}
		}
		r, err := w.l.get(ctx, w.seq+1)
		if errors.Is(err, errNoEntry) {
			if r, err = w.afterGap(ctx, until); err != nil || r.Seq == 0 {
				return err
			}
			w.add(r.Seq, KindLink, "entries %d to %d are missing", w.seq+1, r.Seq-1)
			w.seq, w.hash = r.Seq-1, r.Prev
		} else if err != nil {
			return fmt.Errorf("audit: verify: %w", err)
		}
		if w.visit != nil {
			if err := w.visit(ctx, r); err != nil {
				return err
			}
		}
		w.step(r)
		w.count++
		if w.stepped != nil {
			w.stepped(w.count)
		}
	}
}

// afterGap returns the first stored entry after w's position up to until
// (Seq 0: none).
func (w *walker) afterGap(ctx context.Context, until int64) (Record, error) {
	for seq := w.seq + 2; seq <= until; seq++ {
		r, err := w.l.get(ctx, seq)
		if err == nil {
			return r, nil
		}
		if !errors.Is(err, errNoEntry) {
			return Record{}, fmt.Errorf("audit: verify: %w", err)
		}
	}
	return Record{}, nil
}

// checkCheckpoint compares the chain walked so far with c.
func (w *walker) checkCheckpoint(ctx context.Context, c Checkpoint) error {
	if c.N == 0 {
		if w.keyed {
			w.add(w.seq, KindCheckpoint, "keyed entries but no checkpoint: checkpoints were removed")
		}
		return nil
	}
	if !w.l.genuine(c) {
		w.add(w.seq, KindCheckpoint, "checkpoint %d is forged", c.N)
		return nil
	}
	ok, err := w.l.holds(ctx, Record{Seq: w.seq, Hash: w.hash}, anchor{c.Seq, c.Head})
	if err != nil {
		return err
	}
	if !ok {
		w.add(min(c.Seq, w.seq), KindCheckpoint, "checkpoint %d vouched for entry %d with head %s; the chain now ends at entry %d",
			c.N, c.Seq, c.Head, w.seq)
	}
	return nil
}

// Verify walks the whole chain from the first entry and answers how many
// entries it holds, or ErrBroken naming every open problem. It also fails
// when the chain disagrees with the latest signed checkpoint (cut short or
// rewritten) or with the number of stored entries (an entry beyond a gap).
func (l *Log) Verify(ctx context.Context) (int64, error) {
	return l.VerifyProgress(ctx, nil)
}

// VerifyProgress is Verify telling stepped, when not nil, how many entries
// it has checked after each one, for an operator watching a long walk.
func (l *Log) VerifyProgress(ctx context.Context, stepped func(n int64)) (int64, error) {
	w, err := l.newWalker(ctx)
	if err != nil {
		return 0, err
	}
	w.stepped = stepped
	c, err := l.latestCheckpoint(ctx, 0)
	if err != nil {
		return 0, err
	}
	hint, err := l.hint(ctx)
	if err != nil {
		return 0, err
	}
	if err := w.walk(ctx, max(hint, c.Seq), nil); err != nil {
		return w.seq, err
	}
	if err := w.checkCheckpoint(ctx, c); err != nil {
		return w.seq, err
	}
	n, err := l.db.Collection(colEntries).CountDocuments(ctx, bson.D{})
	if err != nil {
		return w.seq, fmt.Errorf("audit: verify: %w", err)
	}
	if n != w.count {
		w.add(w.seq, KindLink, "%d entries stored, %d chained", n, w.count)
	}
	return w.seq, brokenErr(w.problems)
}

func brokenErr(problems []Problem) error {
	if len(problems) == 0 {
		return nil
	}
	errs := []error{ErrBroken}
	for _, p := range problems {
		errs = append(errs, fmt.Errorf("entry %d: %s: %s", p.Seq, p.Kind, p.Detail))
	}
	return errors.Join(errs...)
}
