package audit

import (
	"context"
	"sync"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

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

// linkBatch adds the links of entries recs, just appended, to their
// objects: each object's next slots, from the first this process believes
// free, claimed with one unordered insert for the batch. A slot found
// taken (another writer linked to the object since), or an insert that
// failed, sends that entry through linkFrom, which reads the slots from
// the object's first tried one on. It never fails the append: the entry is
// the truth, and a link not written is logged and added by the Monitor's
// next check (linker.ensure).
func (l *Log) linkBatch(ctx context.Context, recs []Record) {
	coll := l.db.Collection(colLinks)
	type slot struct {
		key string
		n   int
		seq int64
	}
	var slots []slot
	var docs []any
	first, next := map[string]int{}, map[string]int{}
	for _, r := range recs {
		if !linkable(r.ObjectType, r.ObjectID) {
			continue
		}
		key := linkKey(r.ObjectType, r.ObjectID)
		n, ok := next[key]
		if !ok {
			if n, ok = l.freeSlot(ctx, coll, key, r); !ok {
				continue
			}
			first[key] = n
		}
		next[key] = n + 1
		slots = append(slots, slot{key, n, r.Seq})
		docs = append(docs, link{ID: database.ChainSlot(key, n), Seq: r.Seq})
	}
	if len(docs) == 0 {
		return
	}
	_, err := coll.InsertMany(ctx, docs, options.InsertMany().SetOrdered(false))
	failed := database.InsertManyErrors(err, len(docs))
	for i, s := range slots {
		if failed[i] == nil {
			l.links.claimed(s.key, s.n, s.seq)
		}
	}
	for i, s := range slots {
		if failed[i] != nil {
			l.linkFrom(ctx, coll, s.key, first[s.key], s.seq)
		}
	}
}

// freeSlot returns the first slot of key's links this process believes
// free for r: the first of all when r's entry says its object is new, or
// else read when it knows nothing of the object (ok false: the read
// failed, logged).
func (l *Log) freeSlot(ctx context.Context, coll *mongo.Collection, key string, r Record) (int, bool) {
	if _, from, ok := l.links.known(key); ok {
		return from, true
	}
	if r.fresh {
		return 0, true
	}
	from, err := database.ChainLast(ctx, coll, key, 0)
	if err != nil {
		l.logger.WarnContext(ctx, "audit entry not linked to its object", "seq", r.Seq, "error", err)
		return 0, false
	}
	return from, true
}

// linkFrom links entry seq to key at the first free slot from from on,
// unless a slot there names it already.
func (l *Log) linkFrom(ctx context.Context, coll *mongo.Collection, key string, from int, seq int64) {
	n, ok, err := database.ChainAppendAt(ctx, coll, key, from, maxLinks,
		func(id string) link { return link{ID: id, Seq: seq} }, func(k link) bool { return k.Seq == seq })
	if err != nil || !ok {
		l.logger.WarnContext(ctx, "audit entry not linked to its object", "seq", seq, "full", err == nil, "error", err)
		return
	}
	l.links.claimed(key, n, seq)
}
