package alerts

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"speaksafe/database"
	"speaksafe/devices"
	"speaksafe/errkind"
	"speaksafe/oncall"
	"speaksafe/outbound"
	"speaksafe/reports"
)

// EngineConfig tunes the alert engine. Zero values take the defaults.
type EngineConfig struct {
	// MinDelay is ESCALATION_MIN_DELAY: no tier waits less.
	MinDelay time.Duration
	// Grace is how long an alert may wait for its case document before it
	// is voided (the report was never answered 201).
	Grace time.Duration
	// SweepInterval is how often Run looks for due work.
	SweepInterval time.Duration
	// SendTimeout bounds one push or webhook attempt.
	SendTimeout time.Duration
	// Lease is how long an attempt claimed by another worker is trusted to
	// be in flight before it is taken for dead and retried.
	Lease time.Duration
	// UnackedRepage (UNACKED_REPAGE) is how often an alert whose policy
	// ran out without an acknowledgement re-pages the force's supervisors.
	UnackedRepage time.Duration
	// PageRatePerForce (PAGE_RATE_PER_FORCE) bounds the individual page
	// steps one force gets per minute; beyond it pages are folded into one
	// digest per tier step and minute (an alert is never dropped).
	PageRatePerForce int
	// MaxAttempts is the retry budget of one delivery (one device or the
	// webhook, one step): after that many failed attempts it is given up
	// and, if nothing of its step got through, the step is a gap.
	MaxAttempts int
	// WebhookSecret (WEBHOOK_SECRET) signs control-room webhooks.
	WebhookSecret string
	// Instance names this process in claim documents (diagnostics only).
	Instance string
}

func (c EngineConfig) withDefaults() EngineConfig {
	def := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&c.MinDelay, time.Minute)
	def(&c.Grace, 2*time.Minute)
	def(&c.SweepInterval, time.Second)
	def(&c.SendTimeout, 10*time.Second)
	def(&c.Lease, 3*c.SendTimeout)
	def(&c.UnackedRepage, 10*time.Minute)
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = 4
	}
	if c.PageRatePerForce <= 0 {
		c.PageRatePerForce = 20
	}
	if c.Instance == "" {
		c.Instance = database.NewID()[:8]
	}
	return c
}

// Deps are the dispatcher's collaborators.
type Deps struct {
	DB      *mongo.Database
	OnCall  *oncall.OnCall
	Devices *devices.Devices
	Sender  Sender
	// Cases is the reports store; nil only in tests that never void or ack.
	Cases   Cases
	Audit   Auditor
	Metrics *Metrics
	// Webhooks posts to control rooms; http.DefaultClient shape when nil.
	Webhooks *http.Client
	Log      *slog.Logger
	Now      func() time.Time
}

// Dispatcher is the alert engine: it opens alerts, pages the on-call tiers,
// escalates, retries and stops on acknowledgement. Any number of
// dispatchers may share one database: every page, attempt and step is
// claimed by inserting a document with a deterministic _id.
type Dispatcher struct {
	db       *mongo.Database
	oncall   *oncall.OnCall
	devices  *devices.Devices
	sender   Sender
	cases    Cases
	audit    Auditor
	metrics  *Metrics
	hc       *http.Client
	log      *slog.Logger
	now      func() time.Time
	cfg      EngineConfig
	base     context.Context
	cancel   context.CancelFunc
	wg       sync.WaitGroup
	mu       sync.Mutex
	busy     map[string]*run
	alertMu  [64]sync.Mutex                       // striped by alert id: serialises this process's writes of one alert
	steps    map[string]map[int]stepDoc           // per alert; immutable once inserted
	targets  map[string]map[string]*targetState   // per alert, per "<step>:<target>"
	paged    map[string]bool                      // alerts whose first page this process observed
	slotHint map[string]int                       // force page slots of the current minute this process saw taken
	lists    listKnown                            // the newest alert list slot this process knows, per force
	opened   map[string]Alert                     // alerts this process opened and has not yet started
	paging   map[string]Alert                     // alerts whose first pass left the due time to its pages' pass (keepPaging)
	ready    map[string]map[string]devices.Device // per alert, per "<step>:<device>": checked pageable as its step was claimed here
	claims   database.ClaimLocks                  // turns of this process's claims on the list and page slots
	inserts  alertInserts
}

// alertInserts send an alert's documents together with those of the alerts
// opened and paged at the same moment (database.GroupInsert).
type alertInserts struct {
	alerts, active, steps, attempts *database.GroupInsert
}

// maxOpened bounds the alerts kept between Open and their first pass (an
// alert whose case insert failed is never started here).
const maxOpened = 10_000

type run struct {
	again     bool
	confirmed bool
	done      chan struct{} // closed when the run's goroutine ends
}

// NewDispatcher builds the engine. Call Run to sweep, Stop to finish.
func NewDispatcher(deps Deps, cfg EngineConfig) *Dispatcher {
	cfg = cfg.withDefaults()
	if deps.Metrics == nil {
		deps.Metrics = NewMetrics(nil)
	}
	if deps.Webhooks == nil {
		deps.Webhooks = outbound.NewWebhookClient(cfg.SendTimeout, outbound.AllowedHosts{})
	}
	if deps.Now == nil {
		deps.Now = time.Now
	}
	base, cancel := context.WithCancel(context.Background())
	return &Dispatcher{db: deps.DB, oncall: deps.OnCall, devices: deps.Devices, sender: deps.Sender,
		cases: deps.Cases, audit: deps.Audit, metrics: deps.Metrics, hc: deps.Webhooks, log: deps.Log,
		now: deps.Now, cfg: cfg, base: base, cancel: cancel, busy: map[string]*run{},
		steps: map[string]map[int]stepDoc{}, targets: map[string]map[string]*targetState{}, paged: map[string]bool{},
		slotHint: map[string]int{}, opened: map[string]Alert{}, paging: map[string]Alert{}, ready: map[string]map[string]devices.Device{},
		inserts: alertInserts{alerts: database.NewGroupInsert(deps.DB.Collection(colAlerts)),
			active: database.NewGroupInsert(deps.DB.Collection(colActive)), steps: database.NewGroupInsert(deps.DB.Collection(colSteps)),
			attempts: database.NewGroupInsert(deps.DB.Collection(colAttempts))}}
}

// keepOpened remembers alert a, just inserted by Open, for its first pass:
// the report starts it a moment later, and nothing but this process's own
// engine writes an alert that young.
func (d *Dispatcher) keepOpened(a Alert) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.opened) >= maxOpened {
		clear(d.opened)
	}
	d.opened[a.ID] = a
}

// keepPaging keeps alert a, which a pass that started its first pages has
// just walked, for the pass those pages kick when they end (takePaging).
// Nothing but those pages has written the alert since it was opened (step
// 0 writes nothing to it), so that pass need not read it, nor look for an
// acknowledgement: one taken here ends the alert in this process (forget),
// and one taken elsewhere ends it there, as the next sweep here finds.
func (d *Dispatcher) keepPaging(a Alert) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.paging) >= maxOpened {
		clear(d.paging)
	}
	a.CaseConfirmed = true // the report that started the pass stored its case
	d.paging[a.ID] = a
}

// takePaging returns the alert keepPaging kept, once.
func (d *Dispatcher) takePaging(alertID string) (Alert, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	a, ok := d.paging[alertID]
	delete(d.paging, alertID)
	return a, ok
}

// takeOpened returns the alert Open inserted, once, for the pass the
// report started (confirmed); any other pass reads the stored alert.
func (d *Dispatcher) takeOpened(alertID string, confirmed bool) (Alert, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	a, ok := d.opened[alertID]
	delete(d.opened, alertID)
	return a, ok && confirmed
}

// UseCases sets the reports store once it exists (reports are wired after
// alerts, and need the dispatcher themselves).
func (d *Dispatcher) UseCases(c Cases) { d.cases = c }

// Run sweeps for due alerts every SweepInterval until ctx ends.
func (d *Dispatcher) Run(ctx context.Context) {
	t := time.NewTicker(d.cfg.SweepInterval)
	defer t.Stop()
	for {
		if err := d.Sweep(ctx); err != nil && ctx.Err() == nil {
			d.log.ErrorContext(ctx, "alert sweep failed", "error", err)
		}
		select {
		case <-ctx.Done():
			d.Stop()
			return
		case <-t.C:
		}
	}
}

// Stop cancels in-flight work and waits for it.
func (d *Dispatcher) Stop() {
	d.cancel()
	d.wg.Wait()
}

// Wait blocks until in-process work started by Start or Sweep is done.
func (d *Dispatcher) Wait() { d.wg.Wait() }

// Sweep processes every active alert that is due now, in parallel, and
// waits for them. Work this process is already doing is skipped.
func (d *Dispatcher) Sweep(ctx context.Context) error {
	now := d.now().UTC()
	cur, err := d.db.Collection(colActive).Find(ctx,
		bson.D{{Key: "dueAt", Value: bson.D{{Key: "$lte", Value: now}}}},
		options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}}).SetLimit(5000))
	if err != nil {
		return fmt.Errorf("alerts: sweep: %w", err)
	}
	var due []activeDoc
	if err := cur.All(ctx, &due); err != nil {
		return fmt.Errorf("alerts: sweep: %w", err)
	}
	// Wait for these alerts' runs only: waiting on d.wg here would race
	// with Start adding work from a request goroutine.
	runs := make([]<-chan struct{}, 0, len(due))
	for _, a := range due {
		runs = append(runs, d.kick(a.ID, false))
	}
	for _, done := range runs {
		<-done
	}
	return nil
}

// kick processes alertID in a goroutine unless this process already is;
// then the running pass goes round once more. The channel is closed when
// the run (new or already going) ends.
func (d *Dispatcher) kick(alertID string, confirmed bool) <-chan struct{} {
	d.mu.Lock()
	if r, ok := d.busy[alertID]; ok {
		r.again = true
		r.confirmed = r.confirmed || confirmed
		d.mu.Unlock()
		return r.done
	}
	r := &run{confirmed: confirmed, done: make(chan struct{})}
	d.busy[alertID] = r
	d.wg.Add(1)
	d.mu.Unlock()
	go func() {
		defer d.wg.Done()
		defer close(r.done)
		for {
			d.mu.Lock()
			confirmed := r.confirmed
			r.again = false
			d.mu.Unlock()
			if err := d.process(d.base, alertID, confirmed); err != nil && d.base.Err() == nil {
				d.log.Error("alert processing failed; the sweeper will retry", "alert_id", alertID, "error", err)
			}
			d.mu.Lock()
			if !r.again || d.base.Err() != nil {
				delete(d.busy, alertID)
				d.mu.Unlock()
				return
			}
			d.mu.Unlock()
		}
	}()
	return r.done
}

// process moves one alert as far as it can go now and records when it
// next needs attention.
func (d *Dispatcher) process(ctx context.Context, alertID string, confirmed bool) error {
	now := d.now().UTC()
	a, fresh := d.takeOpened(alertID, confirmed)
	kept := false
	if !fresh {
		a, kept = d.takePaging(alertID)
	}
	if !fresh && !kept {
		var err error
		a, err = d.alert(ctx, alertID)
		if errors.Is(err, errkind.NotFound) {
			return d.orphan(ctx, alertID, now)
		}
		if err != nil {
			return err
		}
	}
	if a.State == StateVoided {
		if !confirmed {
			return nil
		}
		// Started by a report that stored its case after the alert was
		// voided for want of it (a late retry): the alert lives again.
		if err := d.rearmIfVoided(ctx, alertID, a.ForceID, now); err != nil {
			return err
		}
		a.State, a.OpenedAt, a.EndedAt = StateOpen, now, nil
	}
	if a.State == StateEnded {
		// Ended by another pass (whose tidy-up may not have finished).
		d.forget(a.ID)
		_, err := d.db.Collection(colActive).DeleteOne(ctx, bson.D{{Key: "_id", Value: a.ID}})
		return err
	}
	// An alert this process opened a moment ago has not been paged yet:
	// its first page does not wait for a look at acknowledgements (one
	// page too many beats a later one; the next pass ends an acknowledged
	// alert). Nor does the pass its first pages kick (keepPaging).
	if !fresh && !kept {
		if done, err := d.checkAck(ctx, a); done || err != nil {
			return err
		}
	}
	if !a.CaseConfirmed && !confirmed {
		ok, wake, err := d.caseConfirmed(ctx, a, now)
		if err != nil || !ok {
			return d.setDue(ctx, alertID, wake, err)
		}
	}
	// Started by the report itself: page first, note it afterwards (the
	// walk notes it with the progress it records after its pages).
	confirm := !a.CaseConfirmed && confirmed
	defer func() {
		if confirm {
			d.confirmCase(ctx, a, true, now) //nolint:errcheck // the sweeper re-checks
		}
	}()
	if a.PolicyID == "" {
		return d.unrouted(ctx, a, now)
	}
	p, err := d.oncall.Policy(ctx, a.ForceID, a.PolicyID)
	if err != nil {
		return d.setDue(ctx, alertID, now.Add(d.cfg.SweepInterval*5), err)
	}
	from := &walkFrom{fresh: fresh, confirm: confirm}
	wake, err := d.walk(ctx, a, p, now, from)
	confirm = false
	// The due time is a note for the sweeper: it waits until the pages
	// this pass started have done their store work.
	for _, ch := range from.sending {
		<-ch
	}
	var gone *caseGone
	if errors.As(err, &gone) {
		return d.endWithCase(ctx, a, gone.reason, now)
	}
	if err != nil {
		return d.setDue(ctx, alertID, now.Add(d.cfg.SweepInterval), err)
	}
	if len(from.sending) > 0 && d.base.Err() == nil && (!fresh || !wake.Before(a.OpenedAt.Add(d.openHold()))) {
		// Every page this pass started kicks the alert when it ends, and
		// that pass notes the due time: one write, not two. Should this
		// process die first, or a page hang, the due time it leaves is
		// past (or, for an alert it just opened, the end of the opener's
		// hold, before which nothing is due), and a sweep takes the alert
		// up then.
		if fresh {
			d.keepPaging(a)
		}
		return nil
	}
	return d.setDue(ctx, alertID, wake, nil)
}

// orphan handles an active entry whose alert document never got written.
func (d *Dispatcher) orphan(ctx context.Context, alertID string, now time.Time) error {
	act, err := database.FindByID[activeDoc](ctx, d.db.Collection(colActive), alertID, errAbsent)
	if errors.Is(err, errAbsent) {
		return nil
	}
	if err != nil {
		return err
	}
	if now.Sub(act.OpenedAt) < d.cfg.Grace {
		return d.setDue(ctx, alertID, act.OpenedAt.Add(d.cfg.Grace), nil)
	}
	_, err = d.db.Collection(colActive).DeleteOne(ctx, bson.D{{Key: "_id", Value: alertID}})
	return err
}

// checkAck ends the alert when someone acknowledged it (possibly through
// another instance that died before tidying up).
func (d *Dispatcher) checkAck(ctx context.Context, a Alert) (bool, error) {
	ack, err := database.FindByID[ackDoc](ctx, d.db.Collection(colAcks), a.ID, errAbsent)
	if errors.Is(err, errAbsent) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if a.AckAt == nil {
		_, err = d.updateAlert(ctx, a.ID, bson.D{{Key: "$set", Value: bson.D{
			{Key: "state", Value: StateAcknowledged}, {Key: "ackAt", Value: ack.At}, {Key: "ackBy", Value: ack.UserID}, {Key: "endedAt", Value: ack.At},
		}}})
		if err != nil {
			return true, err
		}
	}
	if d.cases != nil {
		if err := d.cases.MarkAcknowledged(ctx, a.ID, ack.UserID, ack.At); err != nil {
			return true, err
		}
		if err := d.cases.SetAlertState(ctx, a.ID, reports.AlertAcknowledged, ack.At); err != nil {
			return true, err
		}
	}
	d.forget(a.ID)
	_, err = d.db.Collection(colActive).DeleteOne(ctx, bson.D{{Key: "_id", Value: a.ID}})
	return true, err
}

// caseConfirmed is confirmCase for a pass that was not started by the
// report: an alert whose step 0 is stored had its case confirmed when that
// step was claimed (no step is claimed before), so the step, which the
// walk reads anyway, stands for the note.
func (d *Dispatcher) caseConfirmed(ctx context.Context, a Alert, now time.Time) (bool, time.Time, error) {
	if _, ok, err := d.loadStep(ctx, a.ID, 0); err != nil {
		return false, now.Add(d.cfg.SweepInterval), err
	} else if ok {
		return true, now, nil
	}
	return d.confirmCase(ctx, a, false, now)
}

// confirmCase makes sure the case exists before anyone is paged; an alert
// whose case never appeared within the grace period is voided.
func (d *Dispatcher) confirmCase(ctx context.Context, a Alert, started bool, now time.Time) (bool, time.Time, error) {
	// Without a Cases store nothing can be checked: page rather than void.
	ok := started || d.cases == nil
	if !ok {
		var err error
		if ok, err = d.cases.CaseExists(ctx, a.ID); err != nil {
			return false, now.Add(d.cfg.SweepInterval), err
		}
	}
	if ok {
		_, err := d.updateAlert(ctx, a.ID, bson.D{{Key: "$set", Value: bson.D{{Key: "caseConfirmed", Value: true}}}})
		return err == nil, now, err
	}
	if now.Sub(a.OpenedAt) >= d.cfg.Grace {
		d.log.Warn("alert voided: its case was never stored", "alert_id", a.ID)
		return false, time.Time{}, d.finish(ctx, a, StateVoided, now)
	}
	// Check again soon: the report may still be inserting its case.
	return false, minTime(now.Add(d.cfg.SweepInterval), a.OpenedAt.Add(d.cfg.Grace)), nil
}

// unrouted keeps an alert of a force without a default policy alive and
// adopts a default as soon as a supervisor sets one.
func (d *Dispatcher) unrouted(ctx context.Context, a Alert, now time.Time) error {
	id, err := d.oncall.DefaultPolicyID(ctx, a.ForceID)
	if err != nil || id == "" {
		return d.setDue(ctx, a.ID, now.Add(5*d.cfg.SweepInterval), err)
	}
	_, err = d.updateAlert(ctx, a.ID, bson.D{{Key: "$set", Value: bson.D{{Key: "policyId", Value: id}}}})
	return d.setDue(ctx, a.ID, now, err)
}

// caseGone stops a walk before a supervisors' re-page: the alert's case
// was closed or deleted, so nobody is left to acknowledge it.
type caseGone struct{ reason string }

func (g *caseGone) Error() string { return "alerts: alert's case is " + g.reason }

// Reasons an unacknowledged alert ends without an acknowledgement.
const (
	endCaseClosed  = "case-closed"
	endCaseDeleted = "case-deleted"
)

// checkCaseGone returns a *caseGone when the case of alert a is closed or
// deleted. A case that cannot be read counts as open: re-paging once too
// often beats falling silent.
func (d *Dispatcher) checkCaseGone(ctx context.Context, a Alert) error {
	if d.cases == nil {
		return nil
	}
	in, err := d.cases.AlertInfo(ctx, a.ID)
	switch {
	case errors.Is(err, errkind.NotFound):
		return &caseGone{endCaseDeleted}
	case err != nil:
		d.log.WarnContext(ctx, "case of an unacknowledged alert unreadable; re-paging", "alert_id", a.ID, "error", err)
		return nil
	case in.Closed:
		return &caseGone{endCaseClosed}
	}
	return nil
}

// endWithCase ends an unacknowledged alert whose case was closed or
// deleted: it stops re-paging, its state says why, and the audit log
// records it as the system's doing.
func (d *Dispatcher) endWithCase(ctx context.Context, a Alert, reason string, now time.Time) error {
	d.log.WarnContext(ctx, "unacknowledged alert ended: its case is closed or deleted", "alert_id", a.ID, "reason", reason)
	if err := d.finish(ctx, a, StateEnded, now); err != nil {
		return err
	}
	d.record(ctx, "", "alert.ended", a.ID, map[string]string{"reason": reason})
	return nil
}

// finish ends an alert that nobody acknowledged: voided (its case was
// never stored) or ended (its case was closed or deleted). An
// unacknowledged alert otherwise stays active and re-pages supervisors
// until someone acknowledges it.
func (d *Dispatcher) finish(ctx context.Context, a Alert, state string, now time.Time) error {
	if _, err := d.updateAlert(ctx, a.ID, bson.D{{Key: "$set", Value: bson.D{
		{Key: "state", Value: state}, {Key: "endedAt", Value: now},
	}}}); err != nil {
		return err
	}
	d.forget(a.ID)
	_, err := d.db.Collection(colActive).DeleteOne(ctx, bson.D{{Key: "_id", Value: a.ID}})
	return err
}

// setDue records when the alert next needs attention, passing err through.
func (d *Dispatcher) setDue(ctx context.Context, alertID string, at time.Time, err error) error {
	if at.IsZero() {
		return err
	}
	_, uerr := d.db.Collection(colActive).UpdateOne(ctx, bson.D{{Key: "_id", Value: alertID}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "dueAt", Value: at.UTC()}}}})
	return errors.Join(err, uerr)
}

// forget drops what this process cached about a finished alert.
func (d *Dispatcher) forget(alertID string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	delete(d.steps, alertID)
	delete(d.targets, alertID)
	delete(d.paged, alertID)
	delete(d.opened, alertID)
	delete(d.paging, alertID)
	delete(d.ready, alertID)
}

func minTime(a, b time.Time) time.Time {
	if a.IsZero() || (!b.IsZero() && b.Before(a)) {
		return b
	}
	return a
}

// updateAlert applies update to alert id. This process's writes of one
// alert are serialised: on the embedded store an update rewrites the whole
// document, and two concurrent updates of one alert (a page counted while
// its step is recorded) could lose one.
func (d *Dispatcher) updateAlert(ctx context.Context, id string, update any) (*mongo.UpdateResult, error) {
	h := fnv.New32a()
	_, _ = h.Write([]byte(id))
	mu := &d.alertMu[h.Sum32()%uint32(len(d.alertMu))]
	mu.Lock()
	defer mu.Unlock()
	return d.db.Collection(colAlerts).UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, update)
}
