package notifications

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"speaksafe/accounts"
	"speaksafe/internal/staff"
)

// maxSupervisorDevices bounds one re-page (a force's supervisors' phones).
const maxSupervisorDevices = 200

// runRepage claims step k (k ≥ the policy's steps) of an alert whose policy
// ran out without an acknowledgement: a page to every active supervisor of
// the force with a registered device. The next one is due UnackedRepage
// later, whether or not this one reached anybody.
func (d *Dispatcher) runRepage(ctx context.Context, a Alert, p Policy, k int, now time.Time) (stepDoc, bool, error) {
	s := stepDoc{ID: stepID(a.ID, k), AlertID: a.ID, Step: k, Tier: -1, Round: k - p.Steps(), StartedAt: now,
		NextDueAt: now.Add(d.cfg.UnackedRepage), TTL: int64(d.cfg.UnackedRepage / time.Second), By: d.cfg.Instance,
		Kind: stepPage}
	devs, err := d.supervisorDevices(ctx, a.ForceID)
	if err != nil {
		return stepDoc{}, false, err
	}
	s.Devices = devs
	seen := map[string]bool{}
	for _, dv := range devs {
		if !seen[dv.UserID] {
			seen[dv.UserID] = true
			s.Users = append(s.Users, dv.UserID)
		}
	}
	if len(devs) == 0 {
		s.Kind, s.Gap = stepGap, "no supervisor with a registered device"
	}
	if s.Kind == stepPage {
		if err := d.fold(ctx, a, &s, now); err != nil {
			return stepDoc{}, false, err
		}
	}
	return d.claimStep(ctx, a, s)
}

// supervisorDevices lists the devices of the active supervisors of force.
// Devices carry their owner's force, so one query finds the candidates;
// each owner is then checked (role, force, not disabled) as any tier's
// members are.
func (d *Dispatcher) supervisorDevices(ctx context.Context, forceID string) ([]stepDevice, error) {
	cur, err := d.db.Collection(colDevices).Find(ctx, bson.D{{Key: "forceId", Value: forceID}},
		options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}, {Key: "userId", Value: 1}}).
			SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(5000))
	if err != nil {
		return nil, fmt.Errorf("notifications: supervisors' devices: %w", err)
	}
	var rows []struct {
		ID     string `bson:"_id"`
		UserID string `bson:"userId"`
	}
	if err := cur.All(ctx, &rows); err != nil {
		return nil, fmt.Errorf("notifications: supervisors' devices: %w", err)
	}
	ok := map[string]bool{}
	var out []stepDevice
	for _, r := range rows {
		sup, known := ok[r.UserID]
		if !known {
			u, active, err := staff.Active(ctx, d.oncall.users, r.UserID, forceID)
			if err != nil {
				return nil, err
			}
			sup = active && u.Role == accounts.RoleSupervisor
			ok[r.UserID] = sup
		}
		if sup && len(out) < maxSupervisorDevices {
			out = append(out, stepDevice{ID: r.ID, UserID: r.UserID})
		}
	}
	return out, nil
}
