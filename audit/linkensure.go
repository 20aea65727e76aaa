package audit

import (
	"context"
	"fmt"

	"speaksafe/database"
)

// linker adds the links the writers did not: of entries written before
// links existed, and of entries whose writer failed or stopped between the
// append and the link. The Monitor's walk hands it every entry once, in
// order (the first walk of a process: every entry, the backfill); an
// entry already linked costs no read once its object's links are known.
// Two instances checking one entry at once may both link it: readers read
// each entry once however many links name it.
type linker struct {
	l    *Log
	objs map[string]*linkedObject // at most maxLinkHints
}

// linkedObject is what the linker knows of one object's links: the first
// slot it has not read, and the entries at or after its walk's position
// that the slots before name.
type linkedObject struct {
	next int
	seqs map[int64]bool
}

// ensure links r to its object unless a link to it is stored. It fails
// only when the store does; a chain of links that is full is logged.
func (k *linker) ensure(ctx context.Context, r Record) error {
	if !linkable(r.ObjectType, r.ObjectID) {
		return nil
	}
	key := linkKey(r.ObjectType, r.ObjectID)
	o, err := k.object(ctx, key, r.Seq)
	if err != nil {
		return err
	}
	if o.seqs[r.Seq] {
		delete(o.seqs, r.Seq)
		return nil
	}
	n, ok, err := database.ChainAppendAt(ctx, k.l.db.Collection(colLinks), key, o.next, maxLinks,
		func(id string) link { return link{ID: id, Seq: r.Seq} },
		func(x link) bool {
			if x.Seq > r.Seq {
				o.seqs[x.Seq] = true
			}
			return x.Seq == r.Seq
		})
	if err != nil {
		return fmt.Errorf("audit: link entry %d: %w", r.Seq, err)
	}
	if !ok {
		k.l.logger.WarnContext(ctx, "audit entry not linked to its object: too many links", "seq", r.Seq)
		return nil
	}
	o.next = max(o.next, n+1)
	k.l.links.claimed(key, n, r.Seq)
	return nil
}

// object returns what is known of key's links, reading the first time
// those the Log does not know (O(links) reads by _id at most) and keeping
// the entries from seq on.
func (k *linker) object(ctx context.Context, key string, seq int64) (*linkedObject, error) {
	if o := k.objs[key]; o != nil {
		return o, nil
	}
	seqs, err := k.l.objectLinks(ctx, key)
	if err != nil {
		return nil, fmt.Errorf("audit: links of %s: %w", key, err)
	}
	o := &linkedObject{next: len(seqs), seqs: map[int64]bool{}}
	for _, s := range seqs {
		if s >= seq {
			o.seqs[s] = true
		}
	}
	if k.objs == nil || len(k.objs) >= maxLinkHints {
		k.objs = map[string]*linkedObject{}
	}
	k.objs[key] = o
	return o, nil
}
