package reports

import (
	"context"
	"errors"
	"strconv"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"speaksafe/database"
)

// The cases naming one handle hash form a chain of entries with _id
// "<kid>:<hash>#<n>", n = 0, 1, 2 …: a look-up reads slot 0, 1, … until
// the first free one, each a read by _id, so it costs O(matches) on every
// store (the embedded store answers nothing else from an index). A writer
// claims the first free slot by inserting it: a duplicate _id fails
// atomically, so of writers racing for one slot exactly one gets it and
// the others move on, on one instance or several. Slots are never deleted
// while their key is current (a gap would end the chain early): retention
// empties a slot of its case instead (deleteHandles).

// duplicateKeyCode is the server's code for an insert of an _id taken.
const duplicateKeyCode = 11000

func slotID(kid, hash string, n int) string {
	return kid + ":" + hash + "#" + strconv.Itoa(n)
}

// claimSlot adds case d to the chain of hash, unless it is in it already.
func (s *Store) claimSlot(ctx context.Context, d *caseDoc, hash string) error {
	kid := s.handleKeys.kid
	for n := 0; n < maxHandleMatches; n++ {
		id := slotID(kid, hash, n)
		var cur handleDoc
		err := s.coll(collHandles).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&cur)
		if err == nil {
			if cur.CaseID == d.ID {
				return nil
			}
			continue
		}
		if !database.IsNotFound(err) {
			return dbErr("read handle entry", err)
		}
		doc := handleDoc{ID: id, Kid: kid, Hash: hash, CaseID: d.ID, ForceID: d.ForceID, CreatedAt: d.CreatedAt}
		_, err = s.coll(collHandles).InsertOne(ctx, doc)
		if err == nil {
			return nil
		}
		if !database.IsDuplicateKey(err) {
			return dbErr("index handles", err)
		}
		n-- // another writer took slot n: read who
	}
	// A handle named in this many reports is matched by its first ones.
	s.log.WarnContext(ctx, "handle chain full: case not indexed for matching", "case_id", d.ID)
	return nil
}

// handleChain returns the entries of the cases naming hash (emptied slots
// left out), at most maxHandleMatches.
func (s *Store) handleChain(ctx context.Context, hash string) ([]handleDoc, error) {
	var out []handleDoc
	for n := 0; n < maxHandleMatches; n++ {
		e, err := database.FindByID[handleDoc](ctx, s.coll(collHandles), slotID(s.handleKeys.kid, hash, n), errNotStored)
		if errors.Is(err, errNotStored) {
			break // the end of the chain
		}
		if err != nil {
			return nil, dbErr("find handles", err)
		}
		if e.CaseID != "" {
			out = append(out, e)
		}
	}
	return out, nil
}

// caseHashes returns the hashes, under the current key, of the handles
// case d names (the same ones indexHandles put in the chains).
func (s *Store) caseHashes(d *caseDoc) ([]string, error) {
	hs, err := s.openHandles(d.ID, d.Handles)
	if err != nil {
		return nil, err
	}
	return s.handleKeys.hashes(hs), nil
}

// insertSlots adds many new cases' entries at once, each as slot 0 of its
// hash's chain; an entry whose slot 0 is taken (by an earlier case or one
// of the batch) claims the next free slot on its own.
func (s *Store) insertSlots(ctx context.Context, entries []handleDoc) error {
	if len(entries) == 0 {
		return nil
	}
	docs := make([]any, len(entries))
	for i := range entries {
		entries[i].ID = slotID(entries[i].Kid, entries[i].Hash, 0)
		docs[i] = entries[i]
	}
	_, err := s.coll(collHandles).InsertMany(ctx, docs, options.InsertMany().SetOrdered(false))
	var bulk mongo.BulkWriteException
	if err == nil || !errors.As(err, &bulk) {
		if err != nil {
			return dbErr("index handles", err)
		}
		return nil
	}
	for _, we := range bulk.WriteErrors {
		if we.Code != duplicateKeyCode {
			return dbErr("index handles", we)
		}
		e := entries[we.Index]
		if err := s.claimSlot(ctx, &caseDoc{ID: e.CaseID, ForceID: e.ForceID, CreatedAt: e.CreatedAt}, e.Hash); err != nil {
			return err
		}
	}
	return nil
}
