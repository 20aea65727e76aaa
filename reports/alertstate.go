package reports

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"speaksafe/database"
)

// AlertState is where a case's urgent alert stands, as the queue shows it.
type AlertState string

// Alert states, set by the alert engine.
const (
	// AlertOpen: paging, within the first tier's acknowledgement delay.
	// It is what an urgent case with no state recorded reads as: its alert
	// is opened before the case is stored, and the engine records only the
	// states after it.
	AlertOpen AlertState = "open"
	// AlertOverdue: the first tier's delay passed without an acknowledgement; escalating.
	AlertOverdue AlertState = "overdue"
	// AlertUnacknowledged: the policy ran out without an acknowledgement;
	// supervisors are re-paged until someone acknowledges.
	AlertUnacknowledged AlertState = "unacknowledged"
	// AlertAcknowledged: someone took it; final.
	AlertAcknowledged AlertState = "acknowledged"
)

// collAlertStates holds one small document per urgent case (_id = case id).
// It is kept apart from the case document because the embedded store
// rewrites a whole document on every update: an engine write here can never
// overwrite an officer's concurrent change of the case.
const collAlertStates = "case_alert_states"

type alertStateDoc struct {
	ID        string     `bson:"_id"`
	State     AlertState `bson:"state"`
	UpdatedAt time.Time  `bson:"updatedAt"`
}

// SetAlertState records the alert state of case caseID. Acknowledged is
// final: a later write of another state leaves it.
func (s *Store) SetAlertState(ctx context.Context, caseID string, state AlertState, at time.Time) error {
	if state != AlertAcknowledged {
		cur, err := s.alertStates(ctx, []string{caseID})
		if err != nil {
			return err
		}
		if cur[caseID] == AlertAcknowledged {
			return nil
		}
	}
	filter := bson.D{{Key: "_id", Value: caseID}}
	doc := alertStateDoc{ID: caseID, State: state, UpdatedAt: at.UTC()}
	_, err := s.coll(collAlertStates).ReplaceOne(ctx, filter, doc, options.Replace().SetUpsert(true))
	if database.IsDuplicateKey(err) {
		_, err = s.coll(collAlertStates).ReplaceOne(ctx, filter, doc)
	}
	if err != nil {
		return dbErr("set alert state", err)
	}
	if state == AlertOpen || state == AlertOverdue {
		// Written while the policy is still being walked: no marker can
		// exist yet (only running out of the policy sets one).
		return nil
	}
	return s.markUnacked(ctx, caseID, state == AlertUnacknowledged, at)
}

// alertStates returns the alert state of each of caseIDs that has one, by
// one `_id` lookup each (the only filter the embedded store indexes), so a
// queue page costs O(page).
func (s *Store) alertStates(ctx context.Context, caseIDs []string) (map[string]AlertState, error) {
	out := make(map[string]AlertState, len(caseIDs))
	for _, id := range caseIDs {
		d, err := database.FindByID[alertStateDoc](ctx, s.coll(collAlertStates), id, nil)
		if err != nil {
			return nil, dbErr("read alert state", err)
		}
		if d.ID != "" {
			out[id] = d.State
		}
	}
	return out, nil
}

// deleteAlertState removes the alert state of a deleted case, and its
// unacknowledged marker if one is left.
func (s *Store) deleteAlertState(ctx context.Context, caseID string) error {
	for _, coll := range []string{collUnacked, collAlertStates} {
		if _, err := s.coll(coll).DeleteOne(ctx, bson.D{{Key: "_id", Value: caseID}}); err != nil {
			return dbErr("delete alert state", err)
		}
	}
	return nil
}
