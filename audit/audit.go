// Package audit keeps SpeakSafe's append-only, tamper-evident audit log:
// who signed in, who changed which user, who read or changed which case, and
// when. Each entry carries the hash of the one before it and an HMAC under a
// key held outside the database, so nobody with only the database can edit,
// remove or reorder entries unnoticed; signed checkpoints, kept outside the
// audited collection, reveal a chain cut short. Entries never hold secrets,
// tokens or report text.
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
	// colHead holds one hint document: a sequence number known to be
	// written, saved every hintEvery entries. It lags (by up to hintEvery,
	// more when updates race on the embedded store); the chain itself,
	// claimed by _id, is the truth.
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
	// New says the object is new: no entry names it yet (a case's
	// case.created, an alert's first step), so its links start at the
	// first slot without reading them. A wrong guess costs reads, never a
	// link: a slot found taken sends the entry through the usual search.
	New bool
}

// Record is a stored entry: its place in the chain, time and hashes. Kid
// names the key whose HMAC Hash is; entries written before the chain was
// keyed have none and Hash is their plain SHA-256 (the legacy segment).
type Record struct {
	// Key is the stored _id, database.SeqKey(Seq): a string, so that the
	// embedded store finds an entry by its index (entries stored before
	// under a numeric _id are moved at start, see migrateKeys).
	Key        string            `bson:"_id"`
	Seq        int64             `bson:"seq"`
	At         time.Time         `bson:"at"`
	Actor      string            `bson:"actor"`
	Action     string            `bson:"action"`
	ObjectType string            `bson:"objectType"`
	ObjectID   string            `bson:"objectId"`
	Detail     map[string]string `bson:"detail,omitempty"`
	Prev       string            `bson:"prev"`
	Kid        string            `bson:"kid,omitempty"`
	Hash       string            `bson:"hash"`

	fresh bool // appended from an Entry marked New; never stored
}

// chainFormat is the signature format of an entry: the JSON its hash or
// HMAC covers (everything but Hash). It is not a wire format: entries
// written by every earlier release must still verify, so these names,
// their order and the omitted-when-empty fields never change
// (TestCanonicalBytesArePinned). encoding/json sorts map keys, so the
// encoding is deterministic; Kid is omitted when empty, so a legacy entry
// encodes exactly as it did when it was written.
type chainFormat struct {
	Seq        int64             `json:"seq"`
	At         time.Time         `json:"at"`
	Actor      string            `json:"actor"`
	Action     string            `json:"action"`
	ObjectType string            `json:"objectType"`
	ObjectID   string            `json:"objectId"`
	Detail     map[string]string `json:"detail,omitempty"`
	Prev       string            `json:"prev"`
	Kid        string            `json:"kid,omitempty"`
}

// Canonical is the record in its chainFormat: the JSON its hash covers.
// Case exports and the operator's audit export carry entries in this form,
// so that a reader can check them against the chain.
func (r Record) Canonical() []byte {
	b, _ := json.Marshal(chainFormat{Seq: r.Seq, At: r.At, Actor: r.Actor, Action: r.Action, ObjectType: r.ObjectType,
		ObjectID: r.ObjectID, Detail: r.Detail, Prev: r.Prev, Kid: r.Kid})
	return b
}

// digest is the legacy, unkeyed hash: SHA-256 of the canonical JSON.
func (r Record) digest() string {
	sum := sha256.Sum256(r.Canonical())
	return hex.EncodeToString(sum[:])
}

// signed is what an entry's HMAC covers, apart from checkpoints'.
func (r Record) signed() []byte {
	return append([]byte("speaksafe audit entry\x00"), r.Canonical()...)
}

// Log appends entries to the chain. It is safe for concurrent use, and
// several processes may append to one database: each position is claimed by
// inserting its sequence number as _id, so writers never fork the chain.
type Log struct {
	db     *mongo.Database
	logger *slog.Logger
	now    func() time.Time
	keys   *Keys
	// checkMACs is false for a Log built without keys: it can check links
	// and legacy hashes only.
	checkMACs bool

	mu     sync.Mutex
	head   Record     // last entry this process knows of; Seq 0 = none yet
	synced bool       // head was found in the database since the last conflict
	raced  bool       // the last append lost its position to another writer
	cp     Checkpoint // latest checkpoint this process knows of; N 0 = none

	keyMig keyMigration
	links  linkCache   // objects' links known to this process (links.go)
	queue  commitQueue // entries waiting for the committer (commit.go)
}

// Option configures a Log.
type Option func(*Log)

// WithKeys makes the Log sign with, and verify under, keys (AUDIT_KEYS).
func WithKeys(k *Keys) Option {
	return func(l *Log) { l.keys, l.checkMACs = k, true }
}

// New returns a Log over db. Without WithKeys it signs with a random key
// of its own and verifies links but not MACs: a reader for tests. The server
// always passes AUDIT_KEYS.
func New(db *mongo.Database, logger *slog.Logger, now func() time.Time, opts ...Option) *Log {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if now == nil {
		now = time.Now
	}
	l := &Log{db: db, logger: logger, now: now, head: Record{Hash: genesis}}
	for _, o := range opts {
		o(l)
	}
	if l.keys == nil {
		l.keys = ephemeralKeys()
	}
	return l
}

// maxAttempts bounds how often a commit retries in a row after losing a
// position to another writer, storing nothing, before it gives up.
const maxAttempts = 50

// Record appends e to the chain and returns once it is stored (nil) or
// refused. A chain found cut short or rewritten does not stop it: the
// break is recorded as the first entry of a new segment and e follows it.
// Concurrent calls are stored together (group commit, commit.go).
func (l *Log) Record(ctx context.Context, e Entry) error {
	_, err := l.submit(ctx, e, false)
	return err
}

// RecordStored is Record answered as soon as the entry is stored, before
// the links that find it through its object are written (they follow
// within the same commit; link reads of this process wait for them). For
// an entry on a path where every round trip counts: the case.created of a
// report, written before the case exists.
func (l *Log) RecordStored(ctx context.Context, e Entry) error {
	_, err := l.submit(ctx, e, true)
	return err
}

// chained is e as the entry after prev, signed.
func (l *Log) chained(prev Record, e Entry) Record {
	r := Record{
		Key: database.SeqKey(prev.Seq + 1), Seq: prev.Seq + 1, At: l.now().UTC().Truncate(time.Millisecond),
		Actor: e.Actor, Action: e.Action, ObjectType: e.ObjectType, ObjectID: e.ObjectID,
		Detail: e.Detail, Prev: prev.Hash, Kid: l.keys.current, fresh: e.New,
	}
	r.Hash, _ = l.keys.mac(r.Kid, r.signed())
	return r
}

// append writes e alone after l.head (the break entry of a sync); the
// caller holds l.mu and saves the head hint.
func (l *Log) append(ctx context.Context, e Entry) error {
	r := l.chained(l.head, e)
	if _, err := l.db.Collection(colEntries).InsertOne(ctx, r); err != nil {
		return err
	}
	l.head = r
	return nil
}

func (l *Log) get(ctx context.Context, seq int64) (Record, error) {
	return database.FindByID[Record](ctx, l.db.Collection(colEntries), database.SeqKey(seq), errNoEntry)
}

// errNoEntry is get's answer for a position with no stored entry.
var errNoEntry = errors.New("audit: no entry at this position")

// exists reports whether the entry at seq is stored (seq 0, the genesis,
// always is).
func (l *Log) exists(ctx context.Context, seq int64) (bool, error) {
	if seq == 0 {
		return true, nil
	}
	_, err := l.get(ctx, seq)
	if errors.Is(err, errNoEntry) {
		return false, nil
	}
	return err == nil, err
}

// hint reads the stored head hint.
func (l *Log) hint(ctx context.Context) (int64, error) {
	hint, err := database.FindByID[struct {
		Seq int64 `bson:"seq"`
	}](ctx, l.db.Collection(colHead), headID, nil)
	if err != nil {
		return 0, fmt.Errorf("audit: head: %w", err)
	}
	return hint.Seq, nil
}

// saveHint records seq as the head hint; losing it only costs a few reads.
func (l *Log) saveHint(ctx context.Context, seq int64) {
	_, err := l.db.Collection(colHead).UpdateOne(ctx, bson.D{{Key: "_id", Value: headID}},
		bson.D{{Key: "$max", Value: bson.D{{Key: "seq", Value: seq}}}}, options.UpdateOne().SetUpsert(true))
	if err != nil {
		l.logger.WarnContext(ctx, "audit head hint not saved", "error", err)
	}
}

// Entries returns up to limit entries after seq after, oldest first, for
// an admin's view of the log.
func (l *Log) Entries(ctx context.Context, after int64, limit int) ([]Record, error) {
	if err := l.migrateKeys(ctx); err != nil {
		return nil, err
	}
	out := []Record{}
	for seq := after + 1; len(out) < limit; seq++ {
		r, err := l.get(ctx, seq)
		if errors.Is(err, errNoEntry) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("audit: entries: %w", err)
		}
		out = append(out, r)
	}
	return slices.Clip(out), nil
}
