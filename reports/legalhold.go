package reports

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"speaksafe/accounts"
	"speaksafe/database"
	"speaksafe/errkind"
)

// collHolds holds one document per case on legal hold (_id = case id).
// The retention sweep deletes no case that has one. It is kept apart from
// the case so that setting a hold never races an officer's change of the
// case (the embedded store rewrites whole documents).
const collHolds = "case_holds"

// MaxHoldReason caps the reason of a legal hold, in characters.
const MaxHoldReason = 500

type holdDoc struct {
	ID      string    `bson:"_id"`
	ForceID string    `bson:"forceId"`
	Reason  string    `bson:"reason"`
	By      string    `bson:"by"`
	At      time.Time `bson:"at"`
}

// LegalHold says that a case must not be deleted by the retention
// schedule, who asked and why.
type LegalHold struct {
	Reason string
	By     string
	At     time.Time
}

// supervisorCase reads case id for a supervisor of its force: NotFound
// for anyone outside the force, Forbidden for its officers (who see the
// case anyway).
func (s *Store) supervisorCase(ctx context.Context, id string) (accounts.Caller, *caseDoc, error) {
	caller, d, err := s.caseFor(ctx, id)
	if err != nil {
		return caller, nil, err
	}
	if caller.Role != accounts.RoleSupervisor {
		return caller, nil, fmt.Errorf("reports: legal hold needs a supervisor: %w", errkind.Forbidden)
	}
	return caller, d, nil
}

// SetLegalHold puts case id on legal hold for reason (audited as
// case.legal_hold_set). Only a supervisor of the case's force may; a case
// on hold already keeps its first hold.
func (s *Store) SetLegalHold(ctx context.Context, id, reason string) (LegalHold, error) {
	reason, err := checkBody("reason", reason, MaxHoldReason)
	if err != nil {
		return LegalHold{}, err
	}
	caller, d, err := s.supervisorCase(ctx, id)
	if err != nil {
		return LegalHold{}, err
	}
	if h, err := s.legalHold(ctx, d.ID); err != nil || h != nil {
		return derefHold(h), err
	}
	if err := s.audit(ctx, caller.UserID, "case.legal_hold_set", d.ID, map[string]string{"reason": reason}); err != nil {
		return LegalHold{}, err
	}
	doc := holdDoc{ID: d.ID, ForceID: d.ForceID, Reason: reason, By: caller.UserID, At: s.now().UTC().Truncate(time.Millisecond)}
	if _, err := s.coll(collHolds).InsertOne(ctx, doc); err != nil && !database.IsDuplicateKey(err) {
		return LegalHold{}, dbErr("set legal hold", err)
	}
	h, err := s.legalHold(ctx, d.ID)
	return derefHold(h), err
}

func derefHold(h *LegalHold) LegalHold {
	if h == nil {
		return LegalHold{}
	}
	return *h
}

// ReleaseLegalHold lifts the legal hold of case id (audited as
// case.legal_hold_released); the retention schedule applies again. Only a
// supervisor of the case's force may; a case not on hold is left alone.
func (s *Store) ReleaseLegalHold(ctx context.Context, id string) error {
	caller, d, err := s.supervisorCase(ctx, id)
	if err != nil {
		return err
	}
	h, err := s.legalHold(ctx, d.ID)
	if err != nil || h == nil {
		return err
	}
	if err := s.audit(ctx, caller.UserID, "case.legal_hold_released", d.ID, nil); err != nil {
		return err
	}
	if _, err := s.coll(collHolds).DeleteOne(ctx, bson.D{{Key: "_id", Value: d.ID}}); err != nil {
		return dbErr("release legal hold", err)
	}
	return nil
}

// legalHold returns the hold of case id; nil when there is none.
func (s *Store) legalHold(ctx context.Context, id string) (*LegalHold, error) {
	d, err := database.FindByID[holdDoc](ctx, s.coll(collHolds), id, nil)
	if err != nil || d.ID == "" {
		return nil, wrapDB("read legal hold", err)
	}
	return &LegalHold{Reason: d.Reason, By: d.By, At: d.At}, nil
}

// heldCaseIDs returns the ids of every case on hold: a small collection,
// read whole so that the retention sweep can leave them out of its query.
func (s *Store) heldCaseIDs(ctx context.Context) ([]string, error) {
	cur, err := s.coll(collHolds).Find(ctx, bson.D{}, options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return nil, dbErr("list legal holds", err)
	}
	var docs []struct {
		ID string `bson:"_id"`
	}
	if err := cur.All(ctx, &docs); err != nil {
		return nil, dbErr("list legal holds", err)
	}
	ids := make([]string, len(docs))
	for i, d := range docs {
		ids[i] = d.ID
	}
	return ids, nil
}

// expiredFilter selects closed cases past cutoff that are not on hold.
func (s *Store) expiredFilter(ctx context.Context, cutoff time.Time) (bson.D, error) {
	held, err := s.heldCaseIDs(ctx)
	if err != nil {
		return nil, err
	}
	f := bson.D{{Key: "status", Value: StatusClosed}, {Key: "closedAt", Value: bson.D{{Key: "$lt", Value: cutoff}}}}
	if len(held) > 0 {
		f = append(f, bson.E{Key: "_id", Value: bson.D{{Key: "$nin", Value: held}}})
	}
	return f, nil
}
