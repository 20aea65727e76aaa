package audit

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"speaksafe/database"
)

// linkedSeqs returns the sequence numbers after after that the links of
// object id under types point at, in chain order, each once (two
// instances checking one entry at once may both link it).
func (l *Log) linkedSeqs(ctx context.Context, types []string, id string, after int64) ([]int64, error) {
	var seqs []int64
	for _, t := range types {
		linked, err := l.objectLinks(ctx, linkKey(t, id))
		if err != nil {
			return nil, fmt.Errorf("audit: links of %s: %w", id, err)
		}
		for _, s := range linked {
			if s > after {
				seqs = append(seqs, s)
			}
		}
	}
	slices.Sort(seqs)
	return slices.Compact(seqs), nil
}

// objectLinks returns the entries the links of key name, in slot order:
// those this process knows, and those of the slots it reads after them.
func (l *Log) objectLinks(ctx context.Context, key string) ([]int64, error) {
	if err := l.awaitLinks(ctx); err != nil {
		return nil, err
	}
	seqs, _, _ := l.links.known(key)
	from := len(seqs)
	more, err := database.ChainReadFrom[link](ctx, l.db.Collection(colLinks), key, from, maxLinks)
	if err != nil {
		return nil, err
	}
	read := make([]int64, len(more))
	for i, k := range more {
		read[i] = k.Seq
	}
	l.links.read(key, from, read)
	return append(seqs, read...), nil
}

// readLinked returns the entries about object id under types after after,
// oldest first, that keep accepts, at most limit, read through the
// object's links: O(k) reads by _id for an object with k entries. Each
// entry is read by its key and kept only if it is about the object: a link
// is never trusted for content.
func (l *Log) readLinked(ctx context.Context, types []string, id string, after int64, limit int, keep func(Record) bool) ([]Record, error) {
	if err := l.migrateKeys(ctx); err != nil {
		return nil, err
	}
	seqs, err := l.linkedSeqs(ctx, types, id, after)
	if err != nil {
		return nil, err
	}
	out := []Record{}
	for _, s := range seqs {
		if len(out) >= limit {
			break
		}
		r, err := l.get(ctx, s)
		if errors.Is(err, errNoEntry) {
			continue // a link outliving a chain cut short
		}
		if err != nil {
			return nil, fmt.Errorf("audit: entries of %s: %w", id, err)
		}
		if about(r, types, id) && keep(r) {
			out = append(out, r)
		}
	}
	return out, nil
}

// linksServe reports whether links answer a read about id under types:
// entries about no object, or under an empty type, are not linked.
func linksServe(types []string, id string) bool {
	return id != "" && !slices.Contains(types, "")
}

func about(r Record, types []string, id string) bool {
	return r.ObjectID == id && slices.Contains(types, r.ObjectType)
}

func keepAll(Record) bool { return true }
