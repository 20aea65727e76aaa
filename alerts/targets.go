package alerts

import (
	"context"
	"strconv"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"speaksafe/database"
)

// targetState is what this process knows of one delivery (one target of
// one step). Deliveries run beside the escalation clock: a walk starts
// them and never waits for them; each one kicks its alert when it ends.
type targetState struct {
	// outcome is set once the delivery is over (sent or given up).
	outcome string
	// notBefore is when the delivery may be tried again: a retry's time,
	// another worker's lease, or the bound of one in flight here.
	notBefore time.Time
	inflight  bool
}

// stepProgress is where the deliveries of one step stand.
type stepProgress struct {
	wake        time.Time // earliest time a delivery needs attention again
	pending     bool      // some delivery is not over
	undelivered bool      // every delivery is over and none got through
	// sending has one channel per delivery started, closed when its send
	// begins (its store reads and claim are done) or it ends.
	sending []<-chan struct{}
}

func targetKey(step int, target string) string { return strconv.Itoa(step) + ":" + target }

// deliverStep starts every delivery of s that is due and not already
// running, without waiting for any, and says where the step stands.
func (d *Dispatcher) deliverStep(a Alert, s stepDoc, now time.Time) stepProgress {
	targets := s.targets()
	var p stepProgress
	sent := false
	for _, t := range targets {
		st, start := d.claimTarget(a.ID, targetKey(s.Step, t), now)
		switch {
		case st.outcome != "":
			sent = sent || st.outcome == outcomeSent
		case start:
			p.pending, p.wake = true, minTime(p.wake, st.notBefore)
			sig := newSignal()
			p.sending = append(p.sending, sig.ch)
			go d.deliverBeside(a, s, t, sig)
		default:
			p.pending, p.wake = true, minTime(p.wake, st.notBefore)
		}
	}
	p.undelivered = len(targets) > 0 && !p.pending && !sent
	return p
}

// claimTarget returns the state of one delivery and whether the caller
// must start it now (then it counts as in flight, and in d.wg).
func (d *Dispatcher) claimTarget(alertID, key string, now time.Time) (targetState, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	m := d.targets[alertID]
	if m == nil {
		m = map[string]*targetState{}
		d.targets[alertID] = m
	}
	st := m[key]
	if st == nil {
		st = &targetState{}
		m[key] = st
	}
	if st.outcome != "" || st.inflight || st.notBefore.After(now) {
		return *st, false
	}
	st.inflight, st.notBefore = true, now.Add(d.cfg.Lease)
	d.wg.Add(1)
	return *st, true
}

// deliverBeside runs one delivery in its own goroutine, records what came
// of it and lets the alert's walk look again.
func (d *Dispatcher) deliverBeside(a Alert, s stepDoc, target string, sending *signal) {
	defer d.wg.Done()
	defer sending.fire()
	wake, outcome, err := d.deliver(d.base, a, s, target, sending.fire)
	if err != nil {
		if d.base.Err() == nil {
			d.log.Error("delivery failed; will retry", "alert_id", a.ID, "step", s.Step, "error", err)
		}
		wake, outcome = d.now().UTC().Add(d.cfg.SweepInterval), ""
	}
	d.settleTarget(a.ID, targetKey(s.Step, target), wake, outcome)
	if d.base.Err() == nil {
		d.kick(a.ID, false)
	}
}

// signal is closed once, by the first fire.
type signal struct {
	once sync.Once
	ch   chan struct{}
}

func newSignal() *signal { return &signal{ch: make(chan struct{})} }

func (s *signal) fire() { s.once.Do(func() { close(s.ch) }) }

func (d *Dispatcher) settleTarget(alertID, key string, wake time.Time, outcome string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	st := d.targets[alertID][key]
	if st == nil {
		return // the alert ended meanwhile
	}
	st.inflight = false
	if outcome != "" {
		st.outcome = outcome
		return
	}
	st.notBefore = wake
}

// stepUndelivered records, once, that nothing of step s got through: a gap
// on the alert, like a tier that reaches nobody. The record is claimed by
// inserting "<alert>:<step>" into alert_gaps, so instances count it once.
func (d *Dispatcher) stepUndelivered(ctx context.Context, a Alert, s stepDoc) {
	key := "undelivered:" + strconv.Itoa(s.Step)
	d.mu.Lock()
	seen := d.targets[a.ID][key] != nil
	if !seen && d.targets[a.ID] != nil {
		d.targets[a.ID][key] = &targetState{outcome: outcomeFailed}
	}
	d.mu.Unlock()
	if seen {
		return
	}
	_, err := d.db.Collection(colGaps).InsertOne(ctx, bson.D{{Key: "_id", Value: s.ID},
		{Key: "alertId", Value: a.ID}, {Key: "step", Value: s.Step}, {Key: "at", Value: d.now().UTC()}})
	if database.IsDuplicateKey(err) {
		return
	}
	if err != nil {
		d.log.ErrorContext(ctx, "undelivered step not recorded", "alert_id", a.ID, "error", err)
		return
	}
	d.metrics.gaps.Inc()
	d.log.WarnContext(ctx, "escalation step could not be delivered; the next tier starts now",
		"alert_id", a.ID, "step", s.Step, "tier", s.Tier, "kind", s.Kind)
	if _, err := d.updateAlert(ctx, a.ID, bson.D{{Key: "$inc", Value: bson.D{{Key: "gaps", Value: 1}}}}); err != nil {
		d.log.ErrorContext(ctx, "alert gap not recorded", "alert_id", a.ID, "error", err)
	}
	d.record(ctx, "", "alert.step", a.ID, map[string]string{"step": strconv.Itoa(s.Step),
		"tier": strconv.Itoa(s.Tier), "kind": s.Kind, "gap": "not delivered"})
}
