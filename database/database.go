package database

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/mongo/readpref"
	"go.mongodb.org/mongo-driver/v2/x/mongo/driver/topology"
)

// Connect opens a client for uri. It does not wait for the server: readiness
// is reported by Ping, so that the process starts (and says it is not ready)
// while MongoDB is down. Options in extra (a test's command monitor) apply
// after the defaults and the URI.
func Connect(uri string, extra ...*options.ClientOptions) (*mongo.Client, error) {
	// Defaults first: anything the URI itself says wins.
	opts := options.Client().
		SetServerSelectionTimeout(5 * time.Second).
		SetConnectTimeout(5 * time.Second).
		SetRetryWrites(true).
		SetAppName("speaksafe").
		ApplyURI(uri)
	c, err := mongo.Connect(append([]*options.ClientOptions{opts}, extra...)...)
	if err != nil {
		return nil, fmt.Errorf("database: connect: %w", err)
	}
	return c, nil
}

// Ping reports whether the primary answers within two seconds.
func Ping(ctx context.Context, c *mongo.Client) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	return c.Ping(ctx, readpref.Primary())
}

// Index declares one index of a collection. Stores declare theirs next to
// their code and EnsureIndexes creates them at start-up.
type Index struct {
	Collection string
	Keys       bson.D
	Unique     bool
	Name       string
}

// Collections lists collections a package uses with no index but _id's, as
// Index entries without keys: EnsureIndexes creates them, so that every
// collection exists from start-up (and the embedded store indexes its _id
// before the first request instead of scanning it until its next sweep).
func Collections(names ...string) []Index {
	out := make([]Index, len(names))
	for i, n := range names {
		out[i] = Index{Collection: n}
	}
	return out
}

// namespaceExists is the server's code for creating a collection that
// exists.
const namespaceExists = 48

// EnsureIndexes creates every index that does not exist yet, and every
// collection of an entry without keys (Collections). It is idempotent:
// running it on every start is the migration.
//
// On the embedded store it creates the unique indexes only, and drops the
// other declared ones an earlier start made: that store filters and sorts
// in Go and looks up nothing by an index but _id, so a non-unique index
// there is only one more B-tree to write on every insert and update (report
// intake went from 141 to 174 a second without them). They are declared
// all the same, for MongoDB, and every query shape is checked against the
// declarations (dbtest).
func EnsureIndexes(ctx context.Context, db *mongo.Database, indexes []Index) error {
	embedded, err := IsEmbeddedStore(ctx, db)
	if err != nil {
		return err
	}
	return ensureIndexes(ctx, db, indexes, !embedded)
}

// IsEmbeddedStore reports whether db is served by the embedded store
// (FerretDB on SQLite, in this process or another) rather than MongoDB.
func IsEmbeddedStore(ctx context.Context, db *mongo.Database) (bool, error) {
	var info bson.M
	if err := db.RunCommand(ctx, bson.D{{Key: "buildInfo", Value: 1}}).Decode(&info); err != nil {
		return false, fmt.Errorf("database: build info: %w", err)
	}
	_, ferret := info["ferretdbVersion"]
	return ferret, nil
}

// Server codes for dropping an index that, or whose collection, does not
// exist.
const (
	namespaceNotFound = 26
	indexNotFound     = 27
)

// ensureIndexes is EnsureIndexes, with non-unique indexes created when
// secondary is true and dropped when it is false.
func ensureIndexes(ctx context.Context, db *mongo.Database, indexes []Index, secondary bool) error {
	for _, ix := range indexes {
		if len(ix.Keys) == 0 {
			if err := createCollection(ctx, db, ix.Collection); err != nil {
				return err
			}
			continue
		}
		if !ix.Unique && !secondary {
			var ce mongo.CommandError
			err := db.Collection(ix.Collection).Indexes().DropOne(ctx, ix.Name)
			switch {
			case errors.As(err, &ce) && ce.Code == namespaceNotFound:
				// The collection still exists from start-up, as with its
				// index.
				if err := createCollection(ctx, db, ix.Collection); err != nil {
					return err
				}
			case err != nil && !(errors.As(err, &ce) && ce.Code == indexNotFound):
				return fmt.Errorf("database: drop index %s.%s: %w", ix.Collection, ix.Name, err)
			}
			continue
		}
		opts := options.Index().SetName(ix.Name)
		if ix.Unique {
			opts.SetUnique(true)
		}
		_, err := db.Collection(ix.Collection).Indexes().CreateOne(ctx, mongo.IndexModel{Keys: ix.Keys, Options: opts})
		if err != nil {
			return fmt.Errorf("database: index %s.%s: %w", ix.Collection, ix.Name, err)
		}
	}
	return nil
}

// createCollection creates collection name unless it exists.
func createCollection(ctx context.Context, db *mongo.Database, name string) error {
	var ce mongo.CommandError
	if err := db.CreateCollection(ctx, name); err != nil && !(errors.As(err, &ce) && ce.Code == namespaceExists) {
		return fmt.Errorf("database: collection %s: %w", name, err)
	}
	return nil
}

// IsDuplicateKey reports whether err is a unique-index violation: for
// inserts with a deterministic _id it means another worker already holds the
// claim.
func IsDuplicateKey(err error) bool {
	return mongo.IsDuplicateKeyError(err)
}

// IsNotFound reports whether err means that no document matched.
func IsNotFound(err error) bool {
	return errors.Is(err, mongo.ErrNoDocuments)
}

// IsUnavailable reports whether err means MongoDB could not be reached or
// did not answer in time (server selection, network, a full connection
// pool, a deadline): the request may succeed if retried later, so it is a
// 503, not a 500.
func IsUnavailable(err error) bool {
	if err == nil {
		return false
	}
	var sel topology.ServerSelectionError
	var wait topology.WaitQueueTimeoutError
	return mongo.IsTimeout(err) || mongo.IsNetworkError(err) ||
		errors.As(err, &sel) || errors.As(err, &wait) ||
		errors.Is(err, context.DeadlineExceeded)
}

// NewID returns a new opaque identifier: 128 random bits in lower-case
// hex. Ids leak neither the order nor the count of objects; every package
// names its objects with it.
func NewID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return hex.EncodeToString(b)
}
