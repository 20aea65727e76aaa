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
	// maxLinkHints bounds the objects whose links a Log keeps in memory.
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

// linkCache is what this process knows of objects' links, for at most
// maxLinkHints objects: the entries the first slots name (a claimed slot
// never changes, so these stay true) and the first slot believed free. It
// is only a starting point: slots claimed since are read.
type linkCache struct {
	mu   sync.Mutex
	objs map[string]*knownLinks
}

type knownLinks struct {
	seqs []int64 // the entries of slots 0 … len(seqs)-1
	next int     // the first slot believed free, >= len(seqs)
}

// known returns the entries of key's first slots, and the first slot
// believed free (ok false: nothing known).
func (c *linkCache) known(key string) (seqs []int64, next int, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	k := c.objs[key]
	if k == nil {
		return nil, 0, false
	}
	return k.seqs[:len(k.seqs):len(k.seqs)], k.next, true
}

// read records that slots from … from+len(seqs)-1 of key name seqs and
// that slot from+len(seqs) was free.
func (c *linkCache) read(key string, from int, seqs []int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	k := c.entry(key)
	if from == len(k.seqs) {
		k.seqs = append(k.seqs, seqs...)
	}
	k.next = max(k.next, from+len(seqs))
}

// claimed records that slot n of key names seq.
func (c *linkCache) claimed(key string, n int, seq int64) {
	c.read(key, n, []int64{seq})
}

func (c *linkCache) entry(key string) *knownLinks {
	if c.objs == nil || len(c.objs) >= maxLinkHints && c.objs[key] == nil {
		c.objs = map[string]*knownLinks{}
	}
	k := c.objs[key]
	if k == nil {
		k = &knownLinks{}
		c.objs[key] = k
	}
	return k
}

// link adds the link of entry seq, just appended, to its object. It never
// fails the append: the entry is the truth, and a link not written is
// logged and added by the Monitor's next check (linker.ensure).
func (l *Log) link(ctx context.Context, seq int64, e Entry) {
	if !linkable(e.ObjectType, e.ObjectID) {
		return
	}
	key := linkKey(e.ObjectType, e.ObjectID)
	_, from, ok := l.links.known(key)
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
	l.links.claimed(key, n, seq)
}
