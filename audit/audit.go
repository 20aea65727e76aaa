// Package audit keeps SpeakSafe's append-only, tamper-evident audit log:
// who signed in, who changed which user, who read or changed which case, and
// when. Each entry carries the hash of the one before it, so removing,
// reordering or editing an entry breaks the chain, which Verify detects.
// Entries never hold secrets, tokens or report text.
package audit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"speaksafe/database"
)

const (
	colEntries = "audit_log"
	// colHead holds one hint document: the highest sequence number known to
	// be written. It may lag (updates are not atomic on the embedded store);
	// the chain itself, claimed by _id, is the truth.
	colHead = "audit_head"
	headID  = "head"
)

// genesis is the "previous hash" of the first entry.
var genesis = hex.EncodeToString(make([]byte, sha256.Size))

// Entry is one audited event. Detail holds short facts (a new role, a
// family id); never secrets or report text.
type Entry struct {
	Actor      string
	Action     string
	ObjectType string
	ObjectID   string
	Detail     map[string]string
}

// Record is a stored entry: its place in the chain, time and hashes.
type Record struct {
	Seq        int64             `bson:"_id" json:"seq"`
	At         time.Time         `bson:"at" json:"at"`
	Actor      string            `bson:"actor" json:"actor"`
	Action     string            `bson:"action" json:"action"`
	ObjectType string            `bson:"objectType" json:"objectType"`
	ObjectID   string            `bson:"objectId" json:"objectId"`
	Detail     map[string]string `bson:"detail,omitempty" json:"detail,omitempty"`
	Prev       string            `bson:"prev" json:"prev"`
	Hash       string            `bson:"hash" json:"-"`
}

// digest is the SHA-256 of the record's canonical JSON (without Hash).
// encoding/json sorts map keys, so the encoding is deterministic.
func (r Record) digest() string {
	b, _ := json.Marshal(r)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Log appends entries to the chain. It is safe for concurrent use, and
// several processes may append to one database: each position is claimed by
// inserting its sequence number as _id, so writers never fork the chain.
type Log struct {
	db     *mongo.Database
	logger *slog.Logger
	now    func() time.Time

	mu   sync.Mutex
	head Record // last entry this process knows of; Seq 0 = none yet
}

// New returns a Log over db.
func New(db *mongo.Database, logger *slog.Logger, now func() time.Time) *Log {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if now == nil {
		now = time.Now
	}
	return &Log{db: db, logger: logger, now: now, head: Record{Hash: genesis}}
}

// maxAttempts bounds how often Record retries after losing a position to
// another writer before it gives up.
const maxAttempts = 50

// Record appends e to the chain.
func (l *Log) Record(ctx context.Context, e Entry) error {
	if e.Action == "" {
		return errors.New("audit: entry has no action")
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.head.Seq == 0 {
		if err := l.catchUp(ctx); err != nil {
			return err
		}
	}
	for range maxAttempts {
		r := Record{
			Seq: l.head.Seq + 1, At: l.now().UTC().Truncate(time.Millisecond),
			Actor: e.Actor, Action: e.Action, ObjectType: e.ObjectType, ObjectID: e.ObjectID,
			Detail: e.Detail, Prev: l.head.Hash,
		}
		r.Hash = r.digest()
		_, err := l.db.Collection(colEntries).InsertOne(ctx, r)
		if err == nil {
			l.head = r
			l.saveHint(ctx, r.Seq)
			return nil
		}
		if !database.IsDuplicateKey(err) {
			return fmt.Errorf("audit: append: %w", err)
		}
		// Another writer took this position: move to the real head.
		if err := l.catchUp(ctx); err != nil {
			return err
		}
	}
	return errors.New("audit: append: too much contention")
}

// catchUp moves l.head to the last entry of the chain: from the stored
// hint (or what this process knows, if further) forward by _id reads.
func (l *Log) catchUp(ctx context.Context) error {
	from := l.head.Seq
	var hint struct {
		Seq int64 `bson:"seq"`
	}
	err := l.db.Collection(colHead).FindOne(ctx, bson.D{{Key: "_id", Value: headID}}).Decode(&hint)
	if err != nil && !database.IsNotFound(err) {
		return fmt.Errorf("audit: head: %w", err)
	}
	from = max(from, hint.Seq)
	head := Record{Hash: genesis}
	if from > 0 {
		if head, err = l.get(ctx, from); err != nil {
			return fmt.Errorf("audit: head %d: %w", from, err)
		}
	}
	for {
		next, err := l.get(ctx, head.Seq+1)
		if database.IsNotFound(err) {
			l.head = head
			return nil
		}
		if err != nil {
			return fmt.Errorf("audit: head: %w", err)
		}
		head = next
	}
}

func (l *Log) get(ctx context.Context, seq int64) (Record, error) {
	var r Record
	err := l.db.Collection(colEntries).FindOne(ctx, bson.D{{Key: "_id", Value: seq}}).Decode(&r)
	return r, err
}

// saveHint records seq as the head hint; losing it only costs a few reads.
func (l *Log) saveHint(ctx context.Context, seq int64) {
	_, err := l.db.Collection(colHead).UpdateOne(ctx, bson.D{{Key: "_id", Value: headID}},
		bson.D{{Key: "$max", Value: bson.D{{Key: "seq", Value: seq}}}}, options.UpdateOne().SetUpsert(true))
	if err != nil {
		l.logger.WarnContext(ctx, "audit head hint not saved", "error", err)
	}
}

// ErrBroken says the chain was altered: an entry is missing, edited or out
// of order.
var ErrBroken = errors.New("audit: chain broken")

// Verify walks the whole chain from the first entry and answers how many
// entries it holds, or ErrBroken naming the first bad position. It also
// fails when the entries' count disagrees with the chain (an entry appended
// beyond a gap).
func (l *Log) Verify(ctx context.Context) (int64, error) {
	prev := genesis
	var seq int64
	for {
		r, err := l.get(ctx, seq+1)
		if database.IsNotFound(err) {
			break
		}
		if err != nil {
			return seq, fmt.Errorf("audit: verify: %w", err)
		}
		if r.Prev != prev || r.digest() != r.Hash {
			return seq, fmt.Errorf("%w at entry %d", ErrBroken, r.Seq)
		}
		prev, seq = r.Hash, r.Seq
	}
	n, err := l.db.Collection(colEntries).CountDocuments(ctx, bson.D{})
	if err != nil {
		return seq, fmt.Errorf("audit: verify: %w", err)
	}
	if n != seq {
		return seq, fmt.Errorf("%w: %d entries stored, %d chained", ErrBroken, n, seq)
	}
	return seq, nil
}

// Entries returns up to limit entries after seq after, oldest first, for
// an admin's view of the log.
func (l *Log) Entries(ctx context.Context, after int64, limit int) ([]Record, error) {
	out := []Record{}
	for seq := after + 1; len(out) < limit; seq++ {
		r, err := l.get(ctx, seq)
		if database.IsNotFound(err) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("audit: entries: %w", err)
		}
		out = append(out, r)
	}
	return slices.Clip(out), nil
}
