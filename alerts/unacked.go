package alerts

import (
	"context"
	"time"

	"speaksafe/oncall"
)

// maxSupervisorDevices bounds one re-page (a force's supervisors' phones).
const maxSupervisorDevices = 200

// runRepage claims step k (k ≥ the policy's steps) of an alert whose policy
// ran out without an acknowledgement: a page to every active supervisor of
// the force with a registered device. The next one is due UnackedRepage
// later, whether or not this one reached anybody.
func (d *Dispatcher) runRepage(ctx context.Context, a Alert, p oncall.Policy, k int, now time.Time) (stepDoc, bool, error) {
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
func (d *Dispatcher) supervisorDevices(ctx context.Context, forceID string) ([]stepDevice, error) {
	devs, err := d.devices.OfSupervisors(ctx, forceID, maxSupervisorDevices)
	if err != nil {
		return nil, err
	}
	out := make([]stepDevice, 0, len(devs))
	for _, dv := range devs {
		out = append(out, stepDevice{ID: dv.ID, UserID: dv.UserID})
	}
	return out, nil
}
