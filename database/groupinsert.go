package database

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// maxGroup bounds the documents one grouped insert sends.
const maxGroup = 100

// GroupInsert inserts documents into one collection for many callers at
// once: the inserts that arrive while one is in flight go together in the
// next, as one unordered InsertMany (group commit, Grouper). Under load that
// is one command, and on the embedded store one transaction, for a group
// instead of one per document; a caller alone is sent on its own at once,
// as InsertOne would. Each caller gets its own document's outcome: nil, a
// duplicate-key error (IsDuplicateKey) when its _id is taken, or the error
// of its group. The zero value is not usable; see NewGroupInsert. It is
// safe for concurrent use.
type GroupInsert struct {
	coll *mongo.Collection
	g    *Grouper[struct{}, any, struct{}]
}

// NewGroupInsert returns a GroupInsert into coll.
func NewGroupInsert(coll *mongo.Collection) *GroupInsert {
	gi := &GroupInsert{coll: coll}
	gi.g = NewGrouper(maxGroup, gi.insert)
	return gi
}

// InsertOne inserts doc with the next group and returns its outcome. A
// caller whose ctx ends while its document still waits withdraws it; once
// a group has it, the caller waits for the group's answer (bounded by the
// latest deadline of the group's callers), so that nil always means stored.
func (g *GroupInsert) InsertOne(ctx context.Context, doc any) error {
	_, err := g.g.Do(ctx, struct{}{}, doc)
	if err != nil && ctx.Err() != nil && errors.Is(err, ctx.Err()) {
		return fmt.Errorf("database: insert into %s: %w", g.coll.Name(), err)
	}
	return err
}

// insert stores docs and returns each one's outcome.
func (g *GroupInsert) insert(ctx context.Context, _ struct{}, docs []any) ([]struct{}, []error) {
	if len(docs) == 1 {
		_, err := g.coll.InsertOne(ctx, docs[0])
		return nil, []error{err}
	}
	_, err := g.coll.InsertMany(ctx, docs, options.InsertMany().SetOrdered(false))
	return nil, InsertManyErrors(err, len(docs))
}

// InsertManyErrors splits the error of an unordered InsertMany of n
// documents into each document's own: nil for one stored, a
// mongo.WriteException naming only it (IsDuplicateKey when its _id was
// taken) for one refused, or err itself for every document when err names
// none (the store could not be reached).
func InsertManyErrors(err error, n int) []error {
	errs := make([]error, n)
	if err == nil {
		return errs
	}
	var bwe mongo.BulkWriteException
	if !errors.As(err, &bwe) || bwe.WriteConcernError != nil || len(bwe.WriteErrors) == 0 {
		for i := range errs {
			errs[i] = err
		}
		return errs
	}
	for _, we := range bwe.WriteErrors {
		if i := we.Index; i >= 0 && i < n {
			own := we.WriteError
			own.Index = 0 // the document's own, single write
			errs[i] = mongo.WriteException{WriteErrors: mongo.WriteErrors{own}}
		}
	}
	return errs
}

// GroupContext is the context work done for several callers at once runs
// under: the values of the first, without its cancellation, and the latest
// deadline of all (none if one has none), so that no caller's part is cut
// off by another caller's shorter deadline.
func GroupContext(ctxs []context.Context) (context.Context, context.CancelFunc) {
	ctx := context.WithoutCancel(ctxs[0])
	var latest time.Time
	for _, c := range ctxs {
		d, ok := c.Deadline()
		if !ok {
			return context.WithCancel(ctx)
		}
		if d.After(latest) {
			latest = d
		}
	}
	return context.WithDeadline(ctx, latest)
}
