package audit

import (
	"context"
	"errors"
	"fmt"

	"speaksafe/database"
)

// DirectReader reads one field of a document by integer _id without the
// query path (*database.Embedded satisfies it). An entry's _id is its
// sequence number, an integer, and the embedded store finds a document by
// an integer _id only by decoding every entry of the log: the check each
// append makes of the head would cost a read of the whole chain.
type DirectReader interface {
	// FieldByIntID answers field of the document of coll in database db
	// whose _id is id, and whether it exists; database.ErrNoDirectRead
	// when it cannot tell.
	FieldByIntID(ctx context.Context, db, coll string, id int64, field string) (string, bool, error)
}

// WithDirectReader makes the Log check the head it appends after through
// r, an index search on the embedded store, instead of a query.
func WithDirectReader(r DirectReader) Option {
	return func(l *Log) { l.direct = r }
}

// storedHash answers the hash stored at position seq and whether an entry
// is stored there: through the direct reader when there is one and it can
// tell, by _id through the driver otherwise.
func (l *Log) storedHash(ctx context.Context, seq int64) (string, bool, error) {
	if l.direct != nil {
		h, ok, err := l.direct.FieldByIntID(ctx, l.db.Name(), colEntries, seq, "hash")
		if err == nil {
			return h, ok, nil
		}
		if !errors.Is(err, database.ErrNoDirectRead) {
			return "", false, fmt.Errorf("audit: entry %d: %w", seq, err)
		}
	}
	r, err := l.get(ctx, seq)
	if errors.Is(err, errNoEntry) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	return r.Hash, true, nil
}
