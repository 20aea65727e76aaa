package audit

import (
	"context"
	"errors"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// MaxObjectRecords bounds the entries ObjectRecords returns for one object.
const MaxObjectRecords = 10000

// ObjectRecords returns the entries about one object (a case's history,
// say), oldest first, at most MaxObjectRecords. It reads them through the
// object's links (links.go), so an entry whose link is not written yet
// appears after the Monitor's next check (docs/audit.md).
func (l *Log) ObjectRecords(ctx context.Context, objectType, objectID string) ([]Record, error) {
	if linksServe([]string{objectType}, objectID) {
		return l.readLinked(ctx, []string{objectType}, objectID, 0, MaxObjectRecords, keepAll)
	}
	return l.queryObjectRecords(ctx, objectType, objectID)
}

// queryObjectRecords is ObjectRecords by a query of the whole log, served
// by Indexes' "object" index on MongoDB: for entries about no object.
func (l *Log) queryObjectRecords(ctx context.Context, objectType, objectID string) ([]Record, error) {
	if err := l.migrateKeys(ctx); err != nil {
		return nil, err
	}
	filter := bson.D{{Key: "objectType", Value: objectType}, {Key: "objectId", Value: objectID}}
	opts := options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(MaxObjectRecords)
	cur, err := l.db.Collection(colEntries).Find(ctx, filter, opts)
	if err != nil {
		return nil, fmt.Errorf("audit: object records: %w", err)
	}
	out := []Record{}
	if err := cur.All(ctx, &out); err != nil {
		return nil, fmt.Errorf("audit: object records: %w", err)
	}
	return out, nil
}

// Recorded reports whether an entry with action about objectType/objectID
// is stored, read through the object's links: an entry whose link is not
// written yet (its writer stopped between the two) is not seen until the
// monitor links it.
func (l *Log) Recorded(ctx context.Context, objectType, objectID, action string) (bool, error) {
	if !linksServe([]string{objectType}, objectID) {
		return false, errors.New("audit: recorded: an object type and id are needed")
	}
	recs, err := l.readLinked(ctx, []string{objectType}, objectID, 0, 1, func(r Record) bool { return r.Action == action })
	return len(recs) > 0, err
}
