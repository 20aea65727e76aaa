package alerts

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"golang.org/x/sync/errgroup"

	"speaksafe/database"
	"speaksafe/devices"
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
	// Held: the step's first attempt at this device (attempt 0) is claimed
	// with the step, by the worker that inserted it and checked the device
	// pageable, until StartedAt plus that worker's lease. Its attempt
	// document is written once, with its outcome; until the lease ends,
	// any other worker only looks for it.
	Held bool `bson:"held,omitempty"`
}

// held reports whether the step's worker holds attempt 0 at target (see
// stepDevice.Held).
func (s stepDoc) held(target string) bool {
	for _, dv := range s.Devices {
		if dv.ID == target {
			return dv.Held
		}
	}
	return false
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

// walkFrom says what the pass calling walk knows: fresh, that this process
// opened the alert a moment ago (so no step of it can be stored unless a
// racing worker claims it, which the claim itself catches); confirm, that
// the alert's case is to be noted as confirmed with the progress recorded.
type walkFrom struct {
	fresh   bool
	confirm bool
	// sending, set by walk, has a channel per page it started for the
	// steps it claimed, closed as that page's send begins.
	sending []<-chan struct{}
}

// walk runs every step that is due and starts the deliveries that are
// due, without waiting for them, and returns when the alert next needs
// attention. Steps 0 to p.Steps()-1 walk the policy's tiers; after them
// the alert is unacknowledged and every further step re-pages the force's
// supervisors, UnackedRepage apart, until someone acknowledges or the case
// is closed or deleted (then walk returns a *caseGone).
func (d *Dispatcher) walk(ctx context.Context, a Alert, p oncall.Policy, now time.Time, from *walkFrom) (time.Time, error) {
	var wake time.Time
	due := a.OpenedAt
	// Progress is recorded after paging, in step order, once the pages of
	// the steps claimed here have been handed to the push service: the
	// page is what is urgent, and its store reads go first.
	var claimedSteps []stepDoc
	defer func() { d.recordProgress(ctx, a, claimedSteps, from.sending, p.Steps(), from.confirm, now) }()
	total := p.Steps()
	for k := 0; ; k++ {
		s, ok := d.cachedStep(a.ID, k)
		// A step not yet due cannot be stored yet, and neither can the
		// first of an alert this process has just opened: no read needed.
		if !ok && !due.After(now) && !(from.fresh && k == 0) {
			var err error
			if s, ok, err = d.loadStep(ctx, a.ID, k); err != nil {
				return time.Time{}, err
			}
		}
		claimed := false
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
			var err error
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
		if claimed {
			from.sending = append(from.sending, pr.sending...)
		}
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

// recordProgress records the steps this pass claimed (and the case as
// confirmed, when confirm) once every page the pass started for them has
// reached the push service (or ended): those pages' store reads and claims
// go first. It runs within the pass, so an alert's progress is written in
// step order and is on record when the pass (and a Sweep waiting for it)
// ends.
func (d *Dispatcher) recordProgress(ctx context.Context, a Alert, steps []stepDoc, sending []<-chan struct{}, total int, confirm bool, now time.Time) {
	if len(steps) == 0 {
		if confirm {
			d.confirmCase(ctx, a, true, now) //nolint:errcheck // the sweeper re-checks
		}
		return
	}
	for _, ch := range sending {
		<-ch
	}
	for i, s := range steps {
		d.stepClaimed(ctx, a, s, total, confirm && i == 0)
	}
}

func (d *Dispatcher) cachedStep(alertID string, k int) (stepDoc, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	s, ok := d.steps[alertID][k]
	return s, ok
}

// acked reports whether the alert has been acknowledged (errors count as
// not: paging once too often beats not paging). A find by _id, the lookup
// the embedded store serves from its index.
func (d *Dispatcher) acked(ctx context.Context, alertID string) bool {
	_, err := database.FindByID[ackDoc](ctx, d.db.Collection(colAcks), alertID, errAbsent)
	return err == nil
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
	var ready map[string]devices.Device
	if tier.Webhook != nil {
		s.Kind = stepWebhook
	} else {
		var err error
		if ready, err = d.resolve(ctx, a.ForceID, tier, now, &s); err != nil {
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
	s, claimed, err := d.claimStep(ctx, a, s)
	if claimed && s.Kind == stepPage {
		d.keepReady(a.ID, s.Step, ready)
	}
	return s, claimed, err
}

// keepReady remembers the devices of step k checked pageable as it was
// resolved, for its first deliveries a moment later.
func (d *Dispatcher) keepReady(alertID string, k int, ready map[string]devices.Device) {
	if len(ready) == 0 {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	m := d.ready[alertID]
	if m == nil {
		m = map[string]devices.Device{}
		d.ready[alertID] = m
	}
	for id, dv := range ready {
		m[targetKey(k, id)] = dv
	}
}

// claimStep inserts step s; when another worker claimed it first, its
// version wins.
func (d *Dispatcher) claimStep(ctx context.Context, a Alert, s stepDoc) (stepDoc, bool, error) {
	k := s.Step
	err := d.inserts.steps.InsertOne(ctx, s)
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
// the step as a gap. It returns those devices that may be paged, checked
// against their owners' accounts as just read, by id.
func (d *Dispatcher) resolve(ctx context.Context, forceID string, tier oncall.Tier, now time.Time, s *stepDoc) (map[string]devices.Device, error) {
	users, err := d.oncall.ResolveTierUsers(ctx, forceID, tier, now)
	if err != nil {
		return nil, err
	}
	s.Kind = stepPage
	// Every member's phones are read at once: a tier of several people
	// costs one read's wait, not one per person.
	devsOf := make([][]devices.Device, len(users))
	var g errgroup.Group
	for i, u := range users {
		g.Go(func() error {
			var err error
			devsOf[i], err = d.devices.ForUser(ctx, u.ID)
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	ready := map[string]devices.Device{}
	for i, u := range users {
		s.Users = append(s.Users, u.ID)
		for _, dv := range devsOf[i] {
			sd := stepDevice{ID: dv.ID, UserID: u.ID}
			if devices.PageableBy(u, dv) {
				ready[dv.ID], sd.Held = dv, true
			}
			s.Devices = append(s.Devices, sd)
		}
	}
	switch {
	case len(users) == 0:
		s.Kind, s.Gap = stepGap, "nobody on call"
	case len(s.Devices) == 0:
		s.Kind, s.Gap = stepGap, "no registered devices"
	}
	return ready, nil
}

// stepClaimed records a step this worker took, and where the alert (and
// its case, for the queue) now stands: step 0 open, a later tier overdue,
// a step past the policy's total unacknowledged (a supervisors' re-page).
//
// confirm adds the note that the alert's case is stored (confirmCase) to
// the same write.
func (d *Dispatcher) stepClaimed(ctx context.Context, a Alert, s stepDoc, total int, confirm bool) {
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
	if confirm {
		set = append(set, bson.E{Key: "caseConfirmed", Value: true})
	}
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
	// Step 0 reached someone: the alert as opened already says step 0,
	// tier 0, round 0, open, and the stored step is the note that its case
	// was confirmed (caseConfirmed). Nothing to write, and an
	// acknowledgement taken meanwhile is never written over.
	if s.Step > 0 || len(inc) > 0 {
		if _, err := d.updateAlert(ctx, a.ID, update); err != nil {
			d.log.ErrorContext(ctx, "alert progress not recorded", "alert_id", a.ID, "error", err)
		}
	}
	// An urgent case with no alert state recorded reads as open: step 0
	// has nothing to write there.
	if d.cases != nil && caseState != reports.AlertOpen {
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
	d.recordSystem(ctx, "alert.step", a.ID, detail, s.Step == 0)
}
