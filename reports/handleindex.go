package reports

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"speaksafe/database"
)

// collHandles holds one document per handle a case names: its keyed hash
// (handlekeys.go), the key id, the case, its force and when it was made,
// as a slot of the hash's chain (handlechain.go). The handle itself stays
// sealed in the case; this is what matching reads. (Databases from before
// the chains also hold entries with _id "<kid>:<hash>:<caseID>", which
// nothing reads; retention empties them with their case, a key change
// drops them.)
const collHandles = "case_handles"

// collHandleProgress remembers how far the backfill of one key id got.
const collHandleProgress = "case_handles_progress"

type handleDoc struct {
	ID        string    `bson:"_id"`
	Kid       string    `bson:"kid"`
	Hash      string    `bson:"hash"`
	CaseID    string    `bson:"caseId"`
	ForceID   string    `bson:"forceId"`
	CreatedAt time.Time `bson:"createdAt"`
}

// handleIndexes are the MongoDB indexes of handle matching: a case's
// handles (for retention), entries by key (for a key change) and a
// force's signals, newest first. A handle's cases are a chain read by _id.
func handleIndexes() []database.Index {
	return []database.Index{
		{Collection: collHandles, Name: "case_kid_created", Keys: bson.D{{Key: "caseId", Value: 1}, {Key: "kid", Value: 1}, {Key: "createdAt", Value: -1}}},
		{Collection: collHandles, Name: "kid", Keys: bson.D{{Key: "kid", Value: 1}}},
		{Collection: collSignals, Name: "force_at_id", Keys: bson.D{{Key: "forceId", Value: 1}, {Key: "at", Value: -1}, {Key: "_id", Value: 1}}},
	}
}

// indexHandles records the hashes of the handles hs that case d names and
// returns each with its chain up to d's slot. It runs before the case is stored, like the queue entry,
// so a stored case is never missing from matching; an entry whose case
// never got stored matches nothing (its case is not found).
func (s *Store) indexHandles(ctx context.Context, d *caseDoc, hs []Handle) ([]handleClaim, error) {
	hashes := s.handleKeys.hashes(hs)
	claims := make([]handleClaim, len(hashes))
	for i, h := range hashes {
		chain, err := s.claimSlot(ctx, d, h)
		if err != nil {
			return nil, err
		}
		claims[i] = handleClaim{hash: h, chain: chain}
	}
	return claims, nil
}

// handleClaim is a handle hash of a new case and its chain up to the
// case's own slot (claimSlot).
type handleClaim struct {
	hash  string
	chain []handleDoc
}

// maxHandleMatches bounds the entries one look-up reads.
const maxHandleMatches = 1000

// deleteHandles empties the handle entries of case caseID (retention):
// the slots stay, holding nothing of the case, so that the chains they
// are in still reach the slots after them.
func (s *Store) deleteHandles(ctx context.Context, caseID string) error {
	_, err := s.coll(collHandles).UpdateMany(ctx, bson.D{{Key: "caseId", Value: caseID}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "caseId", Value: ""}, {Key: "forceId", Value: ""}, {Key: "createdAt", Value: time.Time{}}}}})
	if err != nil {
		return dbErr("delete handles", err)
	}
	return nil
}

// handleBatch is how many cases one round of the backfill reads.
const handleBatch = 100

type handleProgress struct {
	ID    string `bson:"_id"`
	After string `bson:"after"`
	Done  bool   `bson:"done"`
}

// BackfillHandles indexes the handles of every stored case under the
// current handle key: cases from before handle matching, and every case
// after the key changed. It is resumable (progress is saved after each
// batch of cases, in _id order) and safe beside live traffic and other
// instances (entries are inserted by deterministic _id). When it is done,
// entries under other keys are removed. It answers how many cases it read.
func (s *Store) BackfillHandles(ctx context.Context) (int, error) {
	progress := progressID(s.handleKeys.kid)
	p, err := database.FindByID[handleProgress](ctx, s.coll(collHandleProgress), progress, nil)
	if err != nil {
		return 0, dbErr("read handle backfill", err)
	}
	if p.Done {
		return 0, nil
	}
	read := 0
	for {
		n, last, err := s.backfillBatch(ctx, p.After)
		read += n
		if err != nil || n == 0 {
			if err == nil {
				err = s.finishBackfill(ctx, progress)
			}
			return read, err
		}
		p.After = last
		_, err = s.coll(collHandleProgress).UpdateOne(ctx, bson.D{{Key: "_id", Value: progress}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "after", Value: last}}}}, options.UpdateOne().SetUpsert(true))
		if err != nil {
			return read, dbErr("save handle backfill", err)
		}
	}
}

func (s *Store) backfillBatch(ctx context.Context, after string) (int, string, error) {
	cur, err := s.coll(collCases).Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$gt", Value: after}}}},
		options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(handleBatch).
			SetProjection(bson.D{{Key: "forceId", Value: 1}, {Key: "createdAt", Value: 1}, {Key: "handles", Value: 1}}))
	if err != nil {
		return 0, "", dbErr("backfill handles", err)
	}
	var docs []caseDoc
	if err := cur.All(ctx, &docs); err != nil {
		return 0, "", dbErr("backfill handles", err)
	}
	for i := range docs {
		hs, err := s.openHandles(docs[i].ID, docs[i].Handles)
		if err != nil {
			return 0, "", err
		}
		if _, err := s.indexHandles(ctx, &docs[i], hs); err != nil {
			return 0, "", err
		}
	}
	if len(docs) == 0 {
		return 0, "", nil
	}
	return len(docs), docs[len(docs)-1].ID, nil
}

// progressID is the backfill progress of key kid: "chains:" marks the
// backfill into handle chains, which a database indexed before them needs
// once even under a key it has already backfilled.
func progressID(kid string) string { return "chains:" + kid }

func (s *Store) finishBackfill(ctx context.Context, progress string) error {
	kid := s.handleKeys.kid
	if _, err := s.coll(collHandles).DeleteMany(ctx, bson.D{{Key: "kid", Value: bson.D{{Key: "$ne", Value: kid}}}}); err != nil {
		return dbErr("drop handles under old keys", err)
	}
	_, err := s.coll(collHandleProgress).UpdateOne(ctx, bson.D{{Key: "_id", Value: progress}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "done", Value: true}}}}, options.UpdateOne().SetUpsert(true))
	if err != nil {
		return dbErr("finish handle backfill", err)
	}
	s.log.InfoContext(ctx, "handle backfill done", "kid", kid)
	return nil
}
