package referrals

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// maxFacts bounds the referrals one figures request reads.
const maxFacts = 100000

// Fact is what the figures need of one referral: which agency, when it was
// shared and decided, and whether it is overdue now. No text.
type Fact struct {
	AgencyID  string
	SharedAt  time.Time
	DecidedAt *time.Time
	Overdue   bool
}

// Facts returns the referrals shared by forces in [from, to), for the
// aggregate figures of supervisors and commissioners; the callers scope
// forces to what the reader may see.
func (s *Service) Facts(ctx context.Context, forces []string, from, to time.Time) ([]Fact, error) {
	out := []Fact{}
	if len(forces) == 0 {
		return out, nil
	}
	filter := bson.D{{Key: "forceId", Value: bson.D{{Key: "$in", Value: forces}}},
		{Key: "createdAt", Value: bson.D{{Key: "$gte", Value: from}, {Key: "$lt", Value: to}}}}
	docs, err := s.find(ctx, filter, options.Find().SetLimit(maxFacts))
	if err != nil {
		return nil, err
	}
	now := s.now()
	for _, d := range docs {
		out = append(out, Fact{AgencyID: d.AgencyID, SharedAt: d.CreatedAt, DecidedAt: d.DecidedAt,
			Overdue: d.DecidedAt == nil && !now.Before(d.DueAt)})
	}
	return out, nil
}
