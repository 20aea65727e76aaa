package alerts

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"speaksafe/database"
	"speaksafe/oncall"
	"speaksafe/reports"
)

// Step kinds.
const (
	stepPage    = "page"
	stepWebhook = "webhook"
	stepGap     = "gap"
	// stepFolded: the step's page went out as another alert's digest.
	stepFolded = "folded"
)

// stepDoc is one escalation step of one alert, claimed by inserting
// "<alertID>:<step>". Whoever inserts it resolved the recipients; everyone
// else uses what it says, so all instances page the same devices.
type stepDoc struct {
	ID        string       `bson:"_id"`
	AlertID   string       `bson:"alertId"`
	Step      int          `bson:"step"`
	Tier      int          `bson:"tier"`
	Round     int          `bson:"round"`
	Kind      string       `bson:"kind"`
	StartedAt time.Time    `bson:"startedAt"`
	NextDueAt time.Time    `bson:"nextDueAt"`
	Users     []string     `bson:"users,omitempty"`
	Devices   []stepDevice `bson:"devices,omitempty"`
	Gap       string       `bson:"gap,omitempty"`
	// Digest, on a page step, makes its page a digest of the alerts
	// folded into it (see fold); FoldedInto, on a folded step, names the
	// alert whose digest carried it.
	Digest     *digest `bson:"digest,omitempty"`
	FoldedInto string  `bson:"foldedInto,omitempty"`
	TTL        int64   `bson:"ttlSeconds"`
	By         string  `bson:"by"`
}

type stepDevice struct {
	ID     string `bson:"id"`
	UserID string `bson:"userId"`
}

func stepID(alertID string, step int) string { return alertID + ":" + strconv.Itoa(step) }

// targets are the delivery keys of a step: device ids or "webhook".
func (s stepDoc) targets() []string {
	switch s.Kind {
	case stepWebhook:
		return []string{"webhook"}
	case stepPage:
		out := make([]string, len(s.Devices))
		for i, dv := range s.Devices {
			out[i] = dv.ID
		}
		return out
	}
	return nil
}

// userOf names the member of staff whose device id the step pages.
func (s stepDoc) userOf(device string) string {
	for _, dv := range s.Devices {
		if dv.ID == device {
			return dv.UserID
		}
	}
	return ""
}

// walk runs every step that is due and starts the deliveries that are
// due, without waiting for them, and returns when the alert next needs
// attention. Steps 0 to p.Steps()-1 walk the policy's tiers; after them
// the alert is unacknowledged and every further step re-pages the force's
// supervisors, UnackedRepage apart, until someone acknowledges or the case
// is closed or deleted (then walk returns a *caseGone).
func (d *Dispatcher) walk(ctx context.Context, a Alert, p oncall.Policy, now time.Time) (time.Time, error) {
	var wake time.Time
	due := a.OpenedAt
	// Progress is recorded after paging, in step order: the page is what is
	// urgent.
	var claimedSteps []stepDoc
	defer func() {
		for _, s := range claimedSteps {
			d.stepClaimed(ctx, a, s, p.Steps())
		}
	}()
	total := p.Steps()
	for k := 0; ; k++ {
		s, ok, err := d.loadStep(ctx, a.ID, k)
		if err != nil {
			return time.Time{}, err
		}
		if !ok {
			if due.After(now) {
				return minTime(wake, due), nil
			}
			if k > 0 && d.acked(ctx, a.ID) {
				// Taken while this pass was paging: escalate no further.
				return now, nil
			}
			if k >= total {
				// A re-page: only while the case is still open.
				if err := d.checkCaseGone(ctx, a); err != nil {
					return time.Time{}, err
				}
			}
			var claimed bool
			if k < total {
				s, claimed, err = d.runStep(ctx, a, p, k, now)
			} else {
				s, claimed, err = d.runRepage(ctx, a, p, k, now)
			}
			if err != nil {
				return time.Time{}, err
			}
			if claimed {
				claimedSteps = append(claimedSteps, s)
			}
		}
		pr := d.deliverStep(a, s, now)
		wake = minTime(wake, pr.wake)
		due = s.NextDueAt
		if pr.undelivered && k < total {
			// Nothing of this step got through: nobody is waiting to
			// acknowledge it, so the next tier starts at once.
			d.stepUndelivered(ctx, a, s)
			due = minTime(due, now)
		}
	}
}

// acked reports whether the alert has been acknowledged (errors count as
// not: paging once too often beats not paging).
func (d *Dispatcher) acked(ctx context.Context, alertID string) bool {
	n, err := d.db.Collection(colAcks).CountDocuments(ctx, bson.D{{Key: "_id", Value: alertID}})
	return err == nil && n > 0
}

func (d *Dispatcher) loadStep(ctx context.Context, alertID string, k int) (stepDoc, bool, error) {
	d.mu.Lock()
	s, ok := d.steps[alertID][k]
	d.mu.Unlock()
	if ok {
		return s, true, nil
	}
	s, err := database.FindByID[stepDoc](ctx, d.db.Collection(colSteps), stepID(alertID, k), errAbsent)
	if errors.Is(err, errAbsent) {
		return stepDoc{}, false, nil
	}
	if err != nil {
		return stepDoc{}, false, fmt.Errorf("alerts: step %d of %s: %w", k, alertID, err)
	}
	d.cacheStep(s)
	return s, true, nil
}

func (d *Dispatcher) cacheStep(s stepDoc) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.steps[s.AlertID] == nil {
		d.steps[s.AlertID] = map[int]stepDoc{}
	}
	d.steps[s.AlertID][s.Step] = s
}

// runStep resolves tier k's recipients and claims the step. When another
// worker claimed it first, its version wins.
func (d *Dispatcher) runStep(ctx context.Context, a Alert, p oncall.Policy, k int, now time.Time) (stepDoc, bool, error) {
	tier, index, round := p.TierAt(k)
	delay := max(time.Duration(tier.DelaySeconds)*time.Second, d.cfg.MinDelay)
	s := stepDoc{ID: stepID(a.ID, k), AlertID: a.ID, Step: k, Tier: index, Round: round, StartedAt: now,
		NextDueAt: now.Add(delay), TTL: int64(p.Window(d.cfg.MinDelay) / time.Second), By: d.cfg.Instance}
	if tier.Webhook != nil {
		s.Kind = stepWebhook
	} else {
		if err := d.resolve(ctx, a.ForceID, tier, now, &s); err != nil {
			return stepDoc{}, false, err
		}
	}
	if s.Kind == stepGap {
		// Nobody to wait for: the next tier is due at once.
		s.NextDueAt = now
	}
	if s.Kind == stepPage {
		if err := d.fold(ctx, a, &s, now); err != nil {
			return stepDoc{}, false, err
		}
	}
	return d.claimStep(ctx, a, s)
}

// claimStep inserts step s; when another worker claimed it first, its
// version wins.
func (d *Dispatcher) claimStep(ctx context.Context, a Alert, s stepDoc) (stepDoc, bool, error) {
	k := s.Step
	_, err := d.db.Collection(colSteps).InsertOne(ctx, s)
	if database.IsDuplicateKey(err) {
		s, _, err = d.loadStep(ctx, a.ID, k)
		return s, false, err
	}
	if err != nil {
		return stepDoc{}, false, fmt.Errorf("alerts: claim step %d of %s: %w", k, a.ID, err)
	}
	d.cacheStep(s)
	return s, true, nil
}

// resolve fills s with the devices of everyone tier reaches now, or marks
// the step as a gap.
func (d *Dispatcher) resolve(ctx context.Context, forceID string, tier oncall.Tier, now time.Time, s *stepDoc) error {
	users, err := d.oncall.ResolveTier(ctx, forceID, tier, now)
	if err != nil {
		return err
	}
	s.Kind, s.Users = stepPage, users
	for _, u := range users {
		devs, err := d.devices.ForUser(ctx, u)
		if err != nil {
			return err
		}
		for _, dv := range devs {
			s.Devices = append(s.Devices, stepDevice{ID: dv.ID, UserID: u})
		}
	}
	switch {
	case len(users) == 0:
		s.Kind, s.Gap = stepGap, "nobody on call"
	case len(s.Devices) == 0:
		s.Kind, s.Gap = stepGap, "no registered devices"
	}
	return nil
}

// stepClaimed records a step this worker took, and where the alert (and
// its case, for the queue) now stands: step 0 open, a later tier overdue,
// a step past the policy's total unacknowledged (a supervisors' re-page).
func (d *Dispatcher) stepClaimed(ctx context.Context, a Alert, s stepDoc, total int) {
	state, caseState := StateOpen, reports.AlertOpen
	set := bson.D{{Key: "step", Value: s.Step}, {Key: "tier", Value: s.Tier}, {Key: "round", Value: s.Round}}
	inc := bson.D{}
	switch {
	case s.Step >= total:
		state, caseState = StateUnacknowledged, reports.AlertUnacknowledged
		set = bson.D{}
		inc = append(inc, bson.E{Key: "repages", Value: 1})
		if s.Step == total {
			d.log.ErrorContext(ctx, "urgent alert ran out of escalation with nobody acknowledging it; paging supervisors",
				"alert_id", a.ID, "force_id", a.ForceID)
		}
	case s.Step > 0:
		state, caseState = StateOverdue, reports.AlertOverdue
		d.metrics.escalations.Inc()
	}
	set = append(set, bson.E{Key: "state", Value: state})
	if s.Kind == stepGap {
		d.metrics.gaps.Inc()
		d.log.WarnContext(ctx, "escalation step reached nobody; moving on", "alert_id", a.ID,
			"step", s.Step, "tier", s.Tier, "gap", s.Gap)
		inc = append(inc, bson.E{Key: "gaps", Value: 1})
	}
	update := bson.D{{Key: "$set", Value: set}}
	if len(inc) > 0 {
		update = append(update, bson.E{Key: "$inc", Value: inc})
	}
	if _, err := d.updateAlert(ctx, a.ID, update); err != nil {
		d.log.ErrorContext(ctx, "alert progress not recorded", "alert_id", a.ID, "error", err)
	}
	if d.cases != nil {
		if err := d.cases.SetAlertState(ctx, a.ID, caseState, s.StartedAt); err != nil {
			d.log.ErrorContext(ctx, "case alert state not recorded", "alert_id", a.ID, "error", err)
		}
	}
	detail := map[string]string{"step": strconv.Itoa(s.Step), "tier": strconv.Itoa(s.Tier), "kind": s.Kind}
	if s.Gap != "" {
		detail["gap"] = s.Gap
	}
	if len(s.Users) > 0 {
		detail["users"] = strings.Join(s.Users, ",")
	}
	d.record(ctx, "", "alert.step", a.ID, detail)
}
