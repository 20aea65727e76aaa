package database

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
)

// FerretDB 1.24 pushes a filter of exactly {_id: v} down to SQLite only when
// v is a string or an ObjectId (sqlite backend, collection.Query): a FindOne
// by an integer _id, such as an audit entry's sequence number, decodes every
// document of the collection. FieldByIntID reads one field of such a
// document with the search IndexIDPaths' index serves instead.

// ErrNoDirectRead says FieldByIntID cannot answer for this collection (its
// database or table is not there yet, or the store is not embedded): the
// caller reads through the driver instead. It never means "no document".
var ErrNoDirectRead = errors.New("database: no direct read")

// fieldName is what FieldByIntID accepts as a field: a top-level name that
// needs no quoting in a JSON path.
var fieldName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9]*$`)

// directReads holds one read-write SQLite handle per database file and the
// table of each collection, for FieldByIntID.
type directReads struct {
	mu     sync.Mutex
	dbs    map[string]*sql.DB
	tables map[string]string // "<file>\x00<collection>" → table
}

// FieldByIntID answers the top-level string field of the document of
// collection coll of database dbName whose _id is the integer id, and
// whether that document exists, read from the embedded store's SQLite file
// by an index search on the _id path (which it creates if missing). It
// answers ErrNoDirectRead when the database or the collection's table is
// not there, so that absence is never guessed; the caller then reads
// through the driver. A field that is absent or not a string reads as "".
func (e *Embedded) FieldByIntID(ctx context.Context, dbName, coll string, id int64, field string) (string, bool, error) {
	if e == nil {
		return "", false, ErrNoDirectRead
	}
	if !fieldName.MatchString(field) {
		return "", false, fmt.Errorf("database: field %q cannot be read directly", field)
	}
	db, table, err := e.reads.table(ctx, filepath.Join(e.dir, dbName+".sqlite"), coll)
	if err != nil {
		return "", false, err
	}
	q := fmt.Sprintf(`SELECT _ferretdb_sjson->>? FROM %s WHERE %s = ?`, quoteIdent(table), idPathExpr)
	var v sql.NullString
	err = db.QueryRowContext(ctx, q, "$."+field, strconv.FormatInt(id, 10)).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		e.reads.forget(filepath.Join(e.dir, dbName+".sqlite"), coll)
		return "", false, errors.Join(ErrNoDirectRead, fmt.Errorf("database: %s by _id %d: %w", coll, id, err))
	}
	return v.String, true, nil
}

// table returns the handle of file and the table of coll in it, indexing
// the table's _id path the first time.
func (r *directReads) table(ctx context.Context, file, coll string) (*sql.DB, string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, err := os.Stat(file); errors.Is(err, fs.ErrNotExist) {
		return nil, "", ErrNoDirectRead
	}
	db := r.dbs[file]
	if db == nil {
		u := url.URL{Scheme: "file", Path: file, RawQuery: "mode=rw&_pragma=busy_timeout(10000)"}
		var err error
		if db, err = sql.Open("sqlite", u.String()); err != nil {
			return nil, "", errors.Join(ErrNoDirectRead, err)
		}
		db.SetMaxOpenConns(2)
		if r.dbs == nil {
			r.dbs, r.tables = map[string]*sql.DB{}, map[string]string{}
		}
		r.pruneDropped()
		r.dbs[file] = db
	}
	key := file + "\x00" + coll
	if t, ok := r.tables[key]; ok {
		return db, t, nil
	}
	var t string
	err := db.QueryRowContext(ctx, `SELECT table_name FROM `+quoteIdent(collectionsTable)+` WHERE name = ?`, coll).Scan(&t)
	if err != nil {
		return nil, "", errors.Join(ErrNoDirectRead, err)
	}
	q := fmt.Sprintf("CREATE INDEX IF NOT EXISTS %s ON %s (%s)", quoteIdent(t+idPathSuffix), quoteIdent(t), idPathExpr)
	if _, err := db.ExecContext(ctx, q); err != nil {
		return nil, "", errors.Join(ErrNoDirectRead, err)
	}
	r.tables[key] = t
	return db, t, nil
}

// forget drops what table remembered of file, after a read failed (the
// database or collection may have been dropped).
func (r *directReads) forget(file, coll string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.tables, file+"\x00"+coll)
	if db := r.dbs[file]; db != nil {
		if _, err := os.Stat(file); errors.Is(err, fs.ErrNotExist) {
			_ = db.Close()
			delete(r.dbs, file)
		}
	}
}

// pruneDropped closes the handles of database files that were dropped
// (tests drop one database each); the caller holds r.mu.
func (r *directReads) pruneDropped() {
	for f, db := range r.dbs {
		if _, err := os.Stat(f); errors.Is(err, fs.ErrNotExist) {
			_ = db.Close()
			delete(r.dbs, f)
			for k := range r.tables {
				if strings.HasPrefix(k, f+"\x00") {
					delete(r.tables, k)
				}
			}
		}
	}
}

// close closes every handle.
func (r *directReads) close() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for f, db := range r.dbs {
		_ = db.Close()
		delete(r.dbs, f)
	}
}
