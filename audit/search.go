package audit

import (
	"context"
	"fmt"
	"math"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"speaksafe/database"
)

// Query narrows a reading of the log. Empty fields match everything.
type Query struct {
	Actor       string
	Action      string
	ObjectTypes []string // with ObjectID: the entry is about that object
	ObjectID    string
	From, To    time.Time // at in [From, To); zero: unbounded
	After       int64     // entries after this sequence number
}

func (q Query) filter() bson.D {
	f := bson.D{{Key: "_id", Value: bson.D{{Key: "$gt", Value: database.SeqKey(q.After)}}}}
	if q.Actor != "" {
		f = append(f, bson.E{Key: "actor", Value: q.Actor})
	}
	if q.Action != "" {
		f = append(f, bson.E{Key: "action", Value: q.Action})
	}
	if q.ObjectID != "" {
		f = append(f, bson.E{Key: "objectId", Value: q.ObjectID})
		if len(q.ObjectTypes) > 0 {
			f = append(f, bson.E{Key: "objectType", Value: bson.D{{Key: "$in", Value: q.ObjectTypes}}})
		}
	}
	at := bson.D{}
	if !q.From.IsZero() {
		at = append(at, bson.E{Key: "$gte", Value: q.From.UTC()})
	}
	if !q.To.IsZero() {
		at = append(at, bson.E{Key: "$lt", Value: q.To.UTC()})
	}
	if len(at) > 0 {
		f = append(f, bson.E{Key: "at", Value: at})
	}
	return f
}

// matches is filter's test in Go, for entries read through links: the
// object is checked by readLinked.
func (q Query) matches(r Record) bool {
	return (q.Actor == "" || r.Actor == q.Actor) && (q.Action == "" || r.Action == q.Action) &&
		(q.From.IsZero() || !r.At.Before(q.From.UTC().Truncate(time.Millisecond))) &&
		(q.To.IsZero() || r.At.Before(q.To.UTC().Truncate(time.Millisecond)))
}

// Search returns up to limit entries matching q, in order of sequence
// number. With ObjectID and ObjectTypes set it reads the object's links
// (links.go: an entry whose link is not written yet appears after the
// Monitor's next check); any other query reads the log with a filter,
// which on the embedded store scans it. Reading never checks the chain:
// Monitor does that, and its state is reported beside any reading.
func (l *Log) Search(ctx context.Context, q Query, limit int) ([]Record, error) {
	if len(q.ObjectTypes) > 0 && linksServe(q.ObjectTypes, q.ObjectID) {
		if limit <= 0 {
			limit = math.MaxInt
		}
		return l.readLinked(ctx, q.ObjectTypes, q.ObjectID, q.After, limit, q.matches)
	}
	return l.querySearch(ctx, q, limit)
}

// querySearch is Search by a filter of the log.
func (l *Log) querySearch(ctx context.Context, q Query, limit int) ([]Record, error) {
	if err := l.migrateKeys(ctx); err != nil {
		return nil, err
	}
	opts := options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(int64(limit))
	cur, err := l.db.Collection(colEntries).Find(ctx, q.filter(), opts)
	if err != nil {
		return nil, fmt.Errorf("audit: search: %w", err)
	}
	out := []Record{}
	if err := cur.All(ctx, &out); err != nil {
		return nil, fmt.Errorf("audit: search: %w", err)
	}
	return out, nil
}

// Indexes serve Search on MongoDB: by actor, by object, by action and by
// time, each in order of sequence number.
func Indexes() []database.Index {
	return append([]database.Index{
		{Collection: colEntries, Name: "actor", Keys: bson.D{{Key: "actor", Value: 1}, {Key: "_id", Value: 1}}},
		{Collection: colEntries, Name: "object", Keys: bson.D{{Key: "objectId", Value: 1}, {Key: "objectType", Value: 1}, {Key: "_id", Value: 1}}},
		{Collection: colEntries, Name: "action", Keys: bson.D{{Key: "action", Value: 1}, {Key: "_id", Value: 1}}},
		{Collection: colEntries, Name: "at", Keys: bson.D{{Key: "at", Value: 1}}},
	}, database.Collections(colCheckpoints, colHead, colLinks)...)
}
