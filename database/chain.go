package database

import (
	"context"
	"fmt"
	"strconv"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

// A chain is an append-only list of documents of one collection under a
// key: slot n is the document whose _id is ChainSlot(key, n), n = 0, 1, 2 …
// A look-up reads slot 0, 1, … until the first free one, each a read by
// _id, so it costs reads in proportion to the key's own entries on every
// store (the embedded store answers no other filter from an index). A
// writer claims the first free slot by inserting it: a duplicate _id fails
// atomically, so of writers racing for one slot exactly one gets it and
// the others move on, on one instance or several. Slots are never deleted
// while the chain is read (a gap would end it early): an entry that no
// longer counts is emptied or left pointing at nothing.

// ChainSlot is the _id of slot n of the chain of key.
func ChainSlot(key string, n int) string { return key + "#" + strconv.Itoa(n) }

// ChainAppend adds entry(id) to the chain of key in coll at the first free
// slot, unless a slot before it holds the entry already (has reports it).
// It answers false when the chain's max slots are taken.
func ChainAppend[T any](ctx context.Context, coll *mongo.Collection, key string, max int, entry func(id string) T, has func(T) bool) (bool, error) {
	_, ok, err := ChainAppendAt(ctx, coll, key, 0, max, entry, has)
	return ok, err
}

// ChainAppendVia is ChainAppend whose slot inserts go through insert (a
// GroupInsert's InsertOne, which sends them with others of the same
// moment): it must answer a duplicate key (IsDuplicateKey) for a slot
// taken, as InsertOne does.
func ChainAppendVia[T any](ctx context.Context, coll *mongo.Collection, insert func(context.Context, any) error, key string, max int, entry func(id string) T, has func(T) bool) (bool, error) {
	_, ok, err := chainAppend(ctx, coll, insert, key, 0, max, entry, has)
	return ok, err
}

// ChainAppendAt is ChainAppend for a writer that knows slots before from
// are taken (a hint it kept, or ChainLast's answer): it reads and claims
// from slot from on, so has sees only the slots from there. It returns the
// slot that holds the entry.
func ChainAppendAt[T any](ctx context.Context, coll *mongo.Collection, key string, from, max int, entry func(id string) T, has func(T) bool) (int, bool, error) {
	insert := func(ctx context.Context, doc any) error {
		_, err := coll.InsertOne(ctx, doc)
		return err
	}
	return chainAppend(ctx, coll, insert, key, from, max, entry, has)
}

func chainAppend[T any](ctx context.Context, coll *mongo.Collection, insert func(context.Context, any) error, key string, from, max int, entry func(id string) T, has func(T) bool) (int, bool, error) {
	for n := from; n < max; n++ {
		id := ChainSlot(key, n)
		var cur T
		err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&cur)
		if err == nil {
			if has(cur) {
				return n, true, nil
			}
			continue
		}
		if !IsNotFound(err) {
			return 0, false, fmt.Errorf("database: chain %s: %w", coll.Name(), err)
		}
		err = insert(ctx, entry(id))
		if err == nil {
			return n, true, nil
		}
		if !IsDuplicateKey(err) {
			return 0, false, fmt.Errorf("database: chain %s: %w", coll.Name(), err)
		}
		n-- // another writer took slot n: read what it holds
	}
	return 0, false, nil
}

// ChainLast returns the first free slot of the chain of key, searching
// from known (a slot count known taken, or 0): slots have no gaps, so
// doubling steps and then halving find it in O(log distance) reads by _id.
func ChainLast(ctx context.Context, coll *mongo.Collection, key string, known int) (int, error) {
	taken := func(n int) (bool, error) {
		err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: ChainSlot(key, n)}}).Err()
		if IsNotFound(err) {
			return false, nil
		}
		if err != nil {
			return false, fmt.Errorf("database: chain %s: %w", coll.Name(), err)
		}
		return true, nil
	}
	last, err := LastTaken(int64(known-1), func(n int64) (bool, error) { return taken(int(n)) })
	return int(last) + 1, err
}

// ChainRead returns the entries of the chain of key in coll in slot
// order, up to the first free slot, at most max.
func ChainRead[T any](ctx context.Context, coll *mongo.Collection, key string, max int) ([]T, error) {
	return ChainReadFrom[T](ctx, coll, key, 0, max)
}

// ChainReadFrom is ChainRead for a reader that holds slots before from
// already (slots never change once claimed): it returns the entries of
// slots from on, up to the first free slot, slot max excluded.
func ChainReadFrom[T any](ctx context.Context, coll *mongo.Collection, key string, from, max int) ([]T, error) {
	var out []T
	for n := from; n < max; n++ {
		var e T
		err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: ChainSlot(key, n)}}).Decode(&e)
		if IsNotFound(err) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("database: chain %s: %w", coll.Name(), err)
		}
		out = append(out, e)
	}
	return out, nil
}
