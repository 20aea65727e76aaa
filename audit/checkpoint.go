package audit

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"speaksafe/database"
)

const (
	// colCheckpoints holds signed checkpoints, outside the audited
	// collection: "cp-<n>" is the n-th, claimed by inserting its _id, so
	// instances never fork the sequence; "latest" is a hint of the highest n.
	colCheckpoints = "audit_checkpoints"
	latestID       = "latest"
)

// Checkpoint is a signed statement that the chain held Seq entries ending
// in Head at At. Truncation below it, or a rewrite up to it, no longer
// matches it.
type Checkpoint struct {
	N    int64     `bson:"n"`
	Seq  int64     `bson:"seq"`
	Head string    `bson:"head"`
	At   time.Time `bson:"at"`
	Kid  string    `bson:"kid"`
	MAC  string    `bson:"mac"`
}

type checkpointDoc struct {
	ID         string `bson:"_id"`
	Checkpoint `bson:",inline"`
}

// errNoCheckpoint is getCheckpoint's finding that checkpoint n is not stored.
var errNoCheckpoint = errors.New("audit: no such checkpoint")

func checkpointID(n int64) string { return "cp-" + strconv.FormatInt(n, 10) }

func (c Checkpoint) signed() []byte {
	return fmt.Appendf(nil, "speaksafe audit checkpoint\x00%d\x00%d\x00%s\x00%s",
		c.N, c.Seq, c.Head, c.At.UTC().Format(time.RFC3339Nano))
}

// genuine reports whether c carries a valid MAC (always, for a Log
// without keys, which cannot tell).
func (l *Log) genuine(c Checkpoint) bool {
	return !l.checkMACs || l.keys.valid(c.Kid, c.signed(), c.MAC)
}

func (l *Log) getCheckpoint(ctx context.Context, n int64) (Checkpoint, bool, error) {
	d, err := database.FindByID[checkpointDoc](ctx, l.db.Collection(colCheckpoints), checkpointID(n), errNoCheckpoint)
	if errors.Is(err, errNoCheckpoint) {
		return Checkpoint{}, false, nil
	}
	if err != nil {
		return Checkpoint{}, false, fmt.Errorf("audit: checkpoint %d: %w", n, err)
	}
	return d.Checkpoint, true, nil
}

// latestCheckpoint returns the highest stored checkpoint (N 0: none),
// probing by _id from the hint or from, whichever is further.
func (l *Log) latestCheckpoint(ctx context.Context, from int64) (Checkpoint, error) {
	hint, err := database.FindByID[struct {
		N int64 `bson:"n"`
	}](ctx, l.db.Collection(colCheckpoints), latestID, nil)
	if err != nil {
		return Checkpoint{}, fmt.Errorf("audit: checkpoint: %w", err)
	}
	n := max(from, hint.N)
	var c Checkpoint
	found := false
	// Back off first: checkpoints above a missing one were removed.
	for ; n > 0 && !found; n-- {
		if c, found, err = l.getCheckpoint(ctx, n); err != nil {
			return Checkpoint{}, err
		}
	}
	for {
		next, ok, err := l.getCheckpoint(ctx, c.N+1)
		if err != nil {
			return Checkpoint{}, err
		}
		if !ok {
			return c, nil
		}
		c = next
	}
}

// loadCheckpoint moves l.cp to the latest genuine stored checkpoint. One
// missing or forged stays out: the monitor reports it.
func (l *Log) loadCheckpoint(ctx context.Context) error {
	c, err := l.latestCheckpoint(ctx, l.cp.N)
	if err != nil {
		return err
	}
	if c.N > l.cp.N && l.genuine(c) {
		l.cp = c
	}
	return nil
}

// covered reports whether l.cp already vouches for l.head: it is at or
// after it and the chain still holds it.
func (l *Log) covered(ctx context.Context) (bool, error) {
	if l.cp.N == 0 || l.cp.Seq < l.head.Seq {
		return false, nil
	}
	if l.cp.Seq == l.head.Seq {
		return l.cp.Head == l.head.Hash, nil
	}
	return l.holds(ctx, Record{Seq: l.cp.Seq + 1}, anchor{l.cp.Seq, l.cp.Head})
}

// checkpoint signs and stores a checkpoint of l.head unless one already
// covers it. The caller holds l.mu.
func (l *Log) checkpoint(ctx context.Context) error {
	for range maxAttempts {
		stored, err := l.latestCheckpoint(ctx, l.cp.N)
		if err != nil {
			return err
		}
		if stored.N > l.cp.N && l.genuine(stored) {
			l.cp = stored
		}
		if ok, err := l.covered(ctx); err != nil || ok {
			return err
		}
		c := Checkpoint{N: max(stored.N, l.cp.N) + 1, Seq: l.head.Seq, Head: l.head.Hash,
			At: l.now().UTC().Truncate(time.Millisecond), Kid: l.keys.current}
		c.MAC, _ = l.keys.mac(c.Kid, c.signed())
		_, err = l.db.Collection(colCheckpoints).InsertOne(ctx, checkpointDoc{ID: checkpointID(c.N), Checkpoint: c})
		if database.IsDuplicateKey(err) {
			continue // another instance wrote checkpoint N: read it
		}
		if err != nil {
			return fmt.Errorf("audit: checkpoint: %w", err)
		}
		l.cp = c
		_, err = l.db.Collection(colCheckpoints).UpdateOne(ctx, bson.D{{Key: "_id", Value: latestID}},
			bson.D{{Key: "$max", Value: bson.D{{Key: "n", Value: c.N}}}}, options.UpdateOne().SetUpsert(true))
		if err != nil {
			l.logger.WarnContext(ctx, "audit checkpoint hint not saved", "error", err)
		}
		return nil
	}
	return errors.New("audit: checkpoint: too much contention")
}

// checkpointLogged is checkpoint for paths that must not fail because of
// it (the next minute's checkpoint retries).
func (l *Log) checkpointLogged(ctx context.Context) {
	if err := l.checkpoint(ctx); err != nil {
		l.logger.WarnContext(ctx, "audit checkpoint not written", "error", err)
	}
}

// Checkpoint makes sure a signed checkpoint covers the current head and
// returns the latest one. The monitor calls it every minute.
func (l *Log) Checkpoint(ctx context.Context) (Checkpoint, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.ready(ctx); err != nil {
		return Checkpoint{}, err
	}
	if err := l.checkpoint(ctx); err != nil {
		return Checkpoint{}, err
	}
	return l.cp, nil
}
