package referrals

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// RetentionInterval is how often referrals of deleted cases are looked for.
const RetentionInterval = 15 * time.Minute

// SweepDeletedCases deletes the referrals, with their steps, of cases that
// no longer exist: when retention deletes a closed case, the copies of it
// shared with agencies go too (the agency keeps its own record under its
// own reference). Each deletion is audited on the case, without content.
// It answers how many referrals it deleted; running it twice, or on two
// instances at once, deletes nothing twice.
func (s *Service) SweepDeletedCases(ctx context.Context) (int, error) {
	docs, err := s.find(ctx, bson.D{}, options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}, {Key: "caseId", Value: 1},
		{Key: "agencyId", Value: 1}}).SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(5000))
	if err != nil {
		return 0, err
	}
	gone := map[string]bool{}
	n := 0
	for _, d := range docs {
		deleted, known := gone[d.CaseID]
		if !known {
			_, err := s.d.Cases.ForceOf(ctx, d.CaseID)
			if err != nil && !errkindIsNotFound(err) {
				return n, err
			}
			deleted, gone[d.CaseID] = err != nil, err != nil
		}
		if !deleted {
			continue
		}
		if err := s.deleteReferral(ctx, d); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

func (s *Service) deleteReferral(ctx context.Context, d refDoc) error {
	if _, err := s.d.DB.Collection(colEvents).DeleteMany(ctx, bson.D{{Key: "referralId", Value: d.ID}}); err != nil {
		return fmt.Errorf("referrals: delete steps of %s: %w", d.ID, err)
	}
	res, err := s.d.DB.Collection(colReferrals).DeleteOne(ctx, bson.D{{Key: "_id", Value: d.ID}})
	if err != nil {
		return fmt.Errorf("referrals: delete %s: %w", d.ID, err)
	}
	if res.DeletedCount == 0 {
		return nil // another instance deleted it
	}
	return s.record(ctx, "", "referral.deleted", d.CaseID, map[string]string{"referralId": d.ID,
		"agencyId": d.AgencyID, "reason": "case deleted by retention"})
}
