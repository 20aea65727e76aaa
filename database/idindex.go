package database

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// The embedded store (FerretDB 1.24 on SQLite) keeps each collection in a
// table of one JSON column and finds a document by _id with
//
//	WHERE _ferretdb_sjson->'$._id' = ?
//
// (metadata.IDColumn in its sqlite backend), for queries, updates and
// deletes alike. The unique index it declares for _id is on the expression
// _ferretdb_sjson->"_id" instead, which SQLite does not consider the same
// expression, so without help every _id lookup reads the whole table. An
// index on exactly the expression the queries use turns that scan into a
// search. FerretDB neither lists nor drops it (its index list is its own
// metadata); DROP TABLE removes it with the collection.
const (
	// idPathExpr must match FerretDB's metadata.IDColumn token for token,
	// or SQLite will not use the index.
	idPathExpr = `_ferretdb_sjson->'$._id'`
	// idPathSuffix names the index: "<table>_id_path".
	idPathSuffix = "_id_path"
	// collectionsTable maps FerretDB collection names to table names.
	collectionsTable = "_ferretdb_collections"
	// idPathSweepInterval is how soon a collection created after start-up
	// gets its index: when the app reaches the store as another process
	// (MONGODB_URI), every collection it creates at start-up. A sweep with
	// nothing to index is one read of the schema.
	idPathSweepInterval = time.Second
)

// IndexIDPaths gives every collection table of every database of the
// embedded store an index on the expression FerretDB filters _id with, so
// that finding, updating or deleting one document by _id is an index search
// instead of a table scan. It is idempotent and cheap when nothing is
// missing. The embedded server also runs it every few seconds for
// collections created later; call it after creating indexes at start-up so
// that the store is fully indexed before the app says it is ready.
func (e *Embedded) IndexIDPaths(ctx context.Context) error {
	files, err := filepath.Glob(filepath.Join(e.dir, "*.sqlite"))
	if err != nil {
		return fmt.Errorf("database: _id indexes: %w", err)
	}
	var errs []error
	for _, f := range files {
		if err := indexIDPathsIn(ctx, f); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// sweepIDPaths runs IndexIDPaths every interval (never if it is zero) until
// ctx ends.
func (e *Embedded) sweepIDPaths(ctx context.Context, interval time.Duration, logger *slog.Logger) {
	if interval <= 0 {
		return
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := e.IndexIDPaths(ctx); err != nil && ctx.Err() == nil {
			logger.Warn("embedded store: _id indexes", "error", err)
		}
	}
}

// indexIDPathsIn indexes the tables of one database file that lack the
// index. The file is opened read-write without create (mode=rw), so a
// database dropped meanwhile is not brought back as an empty file.
func indexIDPathsIn(ctx context.Context, file string) error {
	u := url.URL{Scheme: "file", Path: file, RawQuery: "mode=rw&_pragma=busy_timeout(10000)"}
	db, err := sql.Open("sqlite", u.String())
	if err != nil {
		return fmt.Errorf("database: _id indexes %s: %w", filepath.Base(file), err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	tables, err := tablesWithoutIDPath(ctx, db)
	if err != nil {
		return skipVanished(file, err)
	}
	for _, t := range tables {
		q := fmt.Sprintf("CREATE INDEX IF NOT EXISTS %s ON %s (%s)", quoteIdent(t+idPathSuffix), quoteIdent(t), idPathExpr)
		if _, err := db.ExecContext(ctx, q); err != nil && !strings.Contains(err.Error(), "no such table") {
			return skipVanished(file, err)
		}
	}
	return nil
}

// tablesWithoutIDPath lists the collection tables of db that have no _id
// path index yet. A file FerretDB has only begun to create (no collections
// table yet) has none.
func tablesWithoutIDPath(ctx context.Context, db *sql.DB) ([]string, error) {
	var n int
	err := db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?`, collectionsTable).Scan(&n)
	if err != nil || n == 0 {
		return nil, err
	}
	rows, err := db.QueryContext(ctx, `SELECT c.table_name FROM `+quoteIdent(collectionsTable)+` c
		JOIN sqlite_master t ON t.type = 'table' AND t.name = c.table_name
		WHERE NOT EXISTS (SELECT 1 FROM sqlite_master i WHERE i.type = 'index' AND i.name = c.table_name || ?)`, idPathSuffix)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var tables []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return nil, err
		}
		tables = append(tables, t)
	}
	return tables, rows.Err()
}

// skipVanished ignores the error of a database file that was dropped while
// it was being indexed.
func skipVanished(file string, err error) error {
	if _, statErr := os.Stat(file); errors.Is(statErr, fs.ErrNotExist) {
		return nil
	}
	return fmt.Errorf("database: _id indexes %s: %w", filepath.Base(file), err)
}

// quoteIdent quotes an SQL identifier.
func quoteIdent(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}
