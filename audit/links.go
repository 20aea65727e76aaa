package audit

import (
	"context"
	"sync"

	"speaksafe/database"
)

const (
	// colLinks indexes the chain by object: the links of an object form a
	// database chain (database.ChainAppendAt) under linkKey, slot n with
	// _id <objectType>:<objectId>#<n>, each holding the sequence number of
	// an entry about the object. Links are read and claimed by _id only,
	// the one shape both stores serve from an index, so an object's
	// entries cost reads in proportion to their number. Links are an
	// index, never evidence: a reader reads each entry by its key and keeps
	// it only if it is about the object.
	colLinks = "audit_object_links"
	// maxLinks bounds the links of one object.
	maxLinks = 1 << 20
	// maxLinkHints bounds the objects whose next free slot a Log keeps.
	maxLinkHints = 4096
)

// link is one slot of an object's links.
type link struct {
	ID  string `bson:"_id"`
	Seq int64  `bson:"seq"`
}

func linkKey(objectType, objectID string) string { return objectType + ":" + objectID }

// linkable reports whether an entry about objectType/objectID gets links.
func linkable(objectType, objectID string) bool { return objectType != "" && objectID != "" }

// slotHints is a bounded map from an object's link key to the first slot
// this process believes free. A hint is only a starting point: a slot
// taken since is read and skipped.
type slotHints struct {
	mu   sync.Mutex
	next map[string]int
}

func (h *slotHints) get(key string) (int, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	n, ok := h.next[key]
	return n, ok
}

func (h *slotHints) set(key string, n int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.next == nil || len(h.next) >= maxLinkHints {
		h.next = map[string]int{}
	}
	h.next[key] = max(h.next[key], n)
}

// link adds the link of entry seq, just appended, to its object. It never
// fails the append: the entry is the truth, and a link not written is
// logged and added by the Monitor's next check (linker.ensure).
func (l *Log) link(ctx context.Context, seq int64, e Entry) {
	if !linkable(e.ObjectType, e.ObjectID) {
		return
	}
	key := linkKey(e.ObjectType, e.ObjectID)
	from, ok := l.slots.get(key)
	coll := l.db.Collection(colLinks)
	if !ok {
		var err error
		if from, err = database.ChainLast(ctx, coll, key, 0); err != nil {
			l.logger.WarnContext(ctx, "audit entry not linked to its object", "seq", seq, "error", err)
			return
		}
	}
	n, ok, err := database.ChainAppendAt(ctx, coll, key, from, maxLinks,
		func(id string) link { return link{ID: id, Seq: seq} }, func(k link) bool { return k.Seq == seq })
	if err != nil || !ok {
		l.logger.WarnContext(ctx, "audit entry not linked to its object", "seq", seq, "full", err == nil, "error", err)
		return
	}
	l.slots.set(key, n+1)
}
