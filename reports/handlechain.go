package reports

import (
	"context"
	"errors"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"speaksafe/database"
)

// The cases naming one handle hash form a chain (database.ChainAppend)
// under the key "<kid>:<hash>": a look-up costs O(matches) on every store.
// Slots are never deleted while their key is current (a gap would end the
// chain early): retention empties a slot of its case instead
// (deleteHandles).

// duplicateKeyCode is the server's code for an insert of an _id taken.
const duplicateKeyCode = 11000

func slotID(kid, hash string, n int) string {
	return database.ChainSlot(kid+":"+hash, n)
}

// claimSlot adds case d to the chain of hash, unless it is in it already,
// and returns the chain up to d's slot: the entries it read on the way
// there, then d's own (emptied slots left out; without d's own when the
// chain is full). A slot is claimed only once every slot before it is
// taken, so these are all the cases that named hash before d: what d's
// pattern check counts (a later case's check counts d).
func (s *Store) claimSlot(ctx context.Context, d *caseDoc, hash string) ([]handleDoc, error) {
	kid := s.handleKeys.kid
	var before []handleDoc
	var own handleDoc
	ok, err := database.ChainAppendVia(ctx, s.coll(collHandles), s.inserts.handles.InsertOne, kid+":"+hash, maxHandleMatches,
		func(id string) handleDoc {
			own = handleDoc{ID: id, Kid: kid, Hash: hash, CaseID: d.ID, ForceID: d.ForceID, CreatedAt: d.CreatedAt}
			return own
		},
		func(cur handleDoc) bool {
			if cur.CaseID == d.ID {
				own = cur
				return true
			}
			before = append(before, cur)
			return false
		})
	if err != nil {
		return nil, dbErr("index handles", err)
	}
	if !ok {
		// A handle named in this many reports is matched by its first ones.
		s.log.WarnContext(ctx, "handle chain full: case not indexed for matching", "case_id", d.ID)
		return liveEntries(before), nil
	}
	return liveEntries(append(before, own)), nil
}

// handleChain returns the entries of the cases naming hash (emptied slots
// left out), at most maxHandleMatches.
func (s *Store) handleChain(ctx context.Context, hash string) ([]handleDoc, error) {
	all, err := database.ChainRead[handleDoc](ctx, s.coll(collHandles), s.handleKeys.kid+":"+hash, maxHandleMatches)
	if err != nil {
		return nil, dbErr("find handles", err)
	}
	return liveEntries(all), nil
}

// liveEntries leaves out the slots retention emptied.
func liveEntries(all []handleDoc) []handleDoc {
	var out []handleDoc
	for _, e := range all {
		if e.CaseID != "" {
			out = append(out, e)
		}
	}
	return out
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
		if _, err := s.claimSlot(ctx, &caseDoc{ID: e.CaseID, ForceID: e.ForceID, CreatedAt: e.CreatedAt}, e.Hash); err != nil {
			return err
		}
	}
	return nil
}
