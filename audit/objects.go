package audit

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"speaksafe/database"
)

// MaxObjectEntries bounds one page of ForObject.
const MaxObjectEntries = 1000

// ForObject returns up to limit entries about object id of any of types,
// after sequence number after, in chain order (oldest first), read through
// the object's links (links.go): an entry whose link is not written yet
// appears after the Monitor's next check (docs/audit.md). These are the
// stored chain entries themselves, so a view built from them says what the
// chain says; their hashes are verified by Verify and the Monitor.
func (l *Log) ForObject(ctx context.Context, types []string, id string, after int64, limit int) ([]Record, error) {
	if limit < 1 || limit > MaxObjectEntries {
		limit = MaxObjectEntries
	}
	if linksServe(types, id) {
		return l.readLinked(ctx, types, id, after, limit, keepAll)
	}
	return l.queryForObject(ctx, types, id, after, limit)
}

// queryForObject is ForObject by a query of the whole log, served by
// Indexes' "object" index on MongoDB: for entries about no object.
func (l *Log) queryForObject(ctx context.Context, types []string, id string, after int64, limit int) ([]Record, error) {
	if err := l.migrateKeys(ctx); err != nil {
		return nil, err
	}
	filter := bson.D{
		{Key: "objectType", Value: bson.D{{Key: "$in", Value: types}}},
		{Key: "objectId", Value: id},
		{Key: "_id", Value: bson.D{{Key: "$gt", Value: database.SeqKey(after)}}},
	}
	opts := options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(int64(limit))
	cur, err := l.db.Collection(colEntries).Find(ctx, filter, opts)
	if err != nil {
		return nil, fmt.Errorf("audit: entries of %s: %w", id, err)
	}
	out := []Record{}
	if err := cur.All(ctx, &out); err != nil {
		return nil, fmt.Errorf("audit: entries of %s: %w", id, err)
	}
	return out, nil
}
