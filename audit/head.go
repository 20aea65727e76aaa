package audit

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"speaksafe/database"
)

// Actions the chain writes about itself.
const (
	// ActionBreak opens a new segment after the chain was found cut short
	// or rewritten; its detail says what was expected and what was found.
	ActionBreak = "audit.chain_break"
	// ActionAcknowledge records that an admin has seen the chain's problems
	// up to detail "through"; they stop counting as open.
	ActionAcknowledge = "audit.problems_acknowledged"
)

// anchor is a position whose hash this process has seen: its own last
// entry or a signed checkpoint.
type anchor struct {
	Seq  int64
	Hash string
}

// ready makes sure l.head is the chain's real head; the caller holds l.mu.
// The check costs one read by _id: a head that vanished or changed, or one
// below the latest checkpoint, sends the writer to sync.
func (l *Log) ready(ctx context.Context) error {
	if l.synced && l.head.Seq >= l.cp.Seq {
		if l.head.Seq == 0 {
			return nil
		}
		r, err := l.get(ctx, l.head.Seq)
		if err == nil && r.Hash == l.head.Hash {
			return nil
		}
		if err != nil && !errors.Is(err, errNoEntry) {
			return fmt.Errorf("audit: head: %w", err)
		}
	}
	return l.sync(ctx)
}

// sync finds the real head and, when the chain no longer holds what this
// process or the latest checkpoint saw, appends a break entry that starts a
// new segment, then checkpoints it. The caller holds l.mu.
func (l *Log) sync(ctx context.Context) error {
	for range maxAttempts {
		// Losing a race means the chain grew, not that it was cut: the
		// reads that look for a break are saved under contention (the
		// monitor still verifies every entry).
		raced := l.raced && l.cp.N > 0
		l.raced = false
		if !raced {
			if err := l.loadCheckpoint(ctx); err != nil {
				return err
			}
		}
		h, err := l.findHead(ctx)
		if err != nil {
			return err
		}
		var lost anchor
		broken := false
		if !raced {
			if lost, broken, err = l.lostAnchor(ctx, h); err != nil {
				return err
			}
		}
		l.head, l.synced = h, true
		if !broken {
			if l.cp.N == 0 {
				// The first checkpoint pins the legacy segment, if any.
				l.checkpointLogged(ctx)
			}
			return nil
		}
		err = l.append(ctx, breakEntry(lost, h))
		if database.IsDuplicateKey(err) {
			l.synced, l.raced = false, true
			continue
		}
		if err != nil {
			return fmt.Errorf("audit: record break: %w", err)
		}
		l.logger.ErrorContext(ctx, "audit chain broken: a new segment starts", "expectedSeq", lost.Seq,
			"expectedHead", lost.Hash, "foundSeq", h.Seq, "foundHead", h.Hash, "breakSeq", l.head.Seq)
		l.checkpointLogged(ctx)
		return nil
	}
	return errors.New("audit: sync: too much contention")
}

func breakEntry(lost anchor, found Record) Entry {
	return Entry{Actor: "audit", Action: ActionBreak, ObjectType: "audit_chain", Detail: map[string]string{
		"expectedSeq": strconv.FormatInt(lost.Seq, 10), "expectedHead": lost.Hash,
		"foundSeq": strconv.FormatInt(found.Seq, 10), "foundHead": found.Hash,
	}}
}

// lostAnchor returns the highest known position the chain headed by h no
// longer holds, unless h already records that break. Positions below one
// that holds are left to the monitor, which verifies every entry.
func (l *Log) lostAnchor(ctx context.Context, h Record) (anchor, bool, error) {
	known := []anchor{{l.head.Seq, l.head.Hash}, {l.cp.Seq, l.cp.Head}}
	if l.cp.N == 0 || l.cp.Seq < l.head.Seq {
		known = known[:1]
	} else if l.cp.Seq > l.head.Seq {
		known[0], known[1] = known[1], known[0]
	}
	for _, a := range known {
		ok, err := l.holds(ctx, h, a)
		if err != nil || ok {
			return anchor{}, false, err
		}
		if !l.recordsBreak(h, a) {
			return a, true, nil
		}
	}
	return anchor{}, false, nil
}

// holds reports whether the chain headed by h still has a at its place.
func (l *Log) holds(ctx context.Context, h Record, a anchor) (bool, error) {
	switch {
	case a.Seq > h.Seq:
		return false, nil
	case a.Seq == h.Seq:
		return h.Hash == a.Hash, nil
	case a.Seq == 0:
		return a.Hash == genesis, nil
	}
	r, err := l.get(ctx, a.Seq)
	if errors.Is(err, errNoEntry) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("audit: head: %w", err)
	}
	return r.Hash == a.Hash, nil
}

// recordsBreak reports whether h is a genuine break entry written by a
// process that expected at least as much as lost.
func (l *Log) recordsBreak(h Record, lost anchor) bool {
	if h.Action != ActionBreak || h.Kid == "" || (l.checkMACs && !l.keys.valid(h.Kid, h.signed(), h.Hash)) {
		return false
	}
	seq, err := strconv.ParseInt(h.Detail["expectedSeq"], 10, 64)
	return err == nil && seq >= lost.Seq
}

// findHead returns the last entry of the chain: from the furthest known
// position forward by _id reads; when that position is gone (the chain was
// cut short), from the last stored entry below it.
func (l *Log) findHead(ctx context.Context) (Record, error) {
	hint, err := l.hint(ctx)
	if err != nil {
		return Record{}, err
	}
	from := max(l.head.Seq, hint, l.cp.Seq)
	head := Record{Hash: genesis}
	if from > 0 {
		head, err = l.get(ctx, from)
		if errors.Is(err, errNoEntry) {
			// Cut short: continue from the last entry still stored.
			head = Record{Hash: genesis}
			if from, err = l.lastStored(ctx, from); err == nil && from > 0 {
				head, err = l.get(ctx, from)
			}
		}
		if err != nil {
			return Record{}, fmt.Errorf("audit: head %d: %w", from, err)
		}
	}
	for {
		next, err := l.get(ctx, head.Seq+1)
		if errors.Is(err, errNoEntry) {
			return head, nil
		}
		if err != nil {
			return Record{}, fmt.Errorf("audit: head: %w", err)
		}
		head = next
	}
}

// lastStored finds, by bisection, the last stored entry below missing,
// taking what is stored to be a prefix of the chain (a cut-short chain).
func (l *Log) lastStored(ctx context.Context, missing int64) (int64, error) {
	lo, hi := int64(0), missing
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		ok, err := l.exists(ctx, mid)
		if err != nil {
			return 0, fmt.Errorf("audit: head: %w", err)
		}
		if ok {
			lo = mid
		} else {
			hi = mid
		}
	}
	return lo, nil
}
