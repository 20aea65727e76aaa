package oncall

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// OnCallNow returns the active members organisation owner (a force or an
// agency) has on call at at: those the first user tier of its default
// policy reaches, or, without a default policy, whoever is on call in each
// of its rotations. It reads without a caller, for pagers outside the
// alert engine (an overdue referral).
func (s *OnCall) OnCallNow(ctx context.Context, owner string, at time.Time) ([]string, error) {
	id, err := s.DefaultPolicyID(ctx, owner)
	if err != nil {
		return nil, err
	}
	var tiers []Tier
	if id != "" {
		pol, err := s.Policy(ctx, owner, id)
		if err != nil {
			return nil, err
		}
		tiers = pol.Tiers
	} else {
		var rs []Rotation
		if err := s.find(ctx, colRotations, bson.D{{Key: "forceId", Value: owner}}, &rs); err != nil {
			return nil, err
		}
		for _, r := range rs {
			tiers = append(tiers, Tier{RotationID: r.ID})
		}
	}
	var out []string
	for _, t := range tiers {
		if t.Webhook != nil {
			continue
		}
		ids, err := s.ResolveTier(ctx, owner, t, at)
		if err != nil {
			return nil, err
		}
		out = append(out, ids...)
		if id != "" && len(out) > 0 {
			break // a policy's first tier that reaches someone
		}
	}
	return dedupe(out), nil
}

// UrgentWindow returns how long the default escalation policy of force
// forceID runs through its tiers once; false when the force has none.
func (s *OnCall) UrgentWindow(ctx context.Context, forceID string) (time.Duration, bool, error) {
	id, err := s.DefaultPolicyID(ctx, forceID)
	if err != nil || id == "" {
		return 0, false, err
	}
	p, err := s.Policy(ctx, forceID, id)
	if err != nil {
		return 0, false, err
	}
	total := 0
	for _, t := range p.Tiers {
		total += t.DelaySeconds
	}
	return time.Duration(total) * time.Second, true, nil
}
