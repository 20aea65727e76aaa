package audit

import (
	"context"
	"fmt"
	"sync"

	"speaksafe/database"
)

// keyMigration moves entries stored with a numeric _id to string keys
// (database.SeqKey) once per process, before the chain is first read or
// appended to: until then a lookup by position would not find them and
// the chain would look cut short.
type keyMigration struct {
	mu   sync.Mutex
	done bool
}

// migrateKeys runs the migration unless this process already has; a
// failure is returned and tried again next time.
func (l *Log) migrateKeys(ctx context.Context) error {
	l.keyMig.mu.Lock()
	defer l.keyMig.mu.Unlock()
	if l.keyMig.done {
		return nil
	}
	n, err := database.MigrateSeqKeys(ctx, l.db.Collection(colEntries))
	if err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	if n > 0 {
		l.logger.InfoContext(ctx, "audit entries moved to string keys", "entries", n)
	}
	l.keyMig.done = true
	return nil
}
