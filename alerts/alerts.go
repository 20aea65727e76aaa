package alerts

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"golang.org/x/sync/errgroup"

	"speaksafe/accounts"
	"speaksafe/audit"
	"speaksafe/database"
	"speaksafe/errkind"
	"speaksafe/internal/staff"
	"speaksafe/reports"
)

// Alert states as listed to staff.
const (
	StateOpen           = "open"
	StateOverdue        = "overdue" // the first tier's delay passed (or it reached nobody): escalating
	StateAcknowledged   = "acknowledged"
	StateUnacknowledged = "unacknowledged" // the policy ran out, nobody took it: supervisors are re-paged
	StateVoided         = "voided"         // its case was never stored
	StateEnded          = "ended"          // unacknowledged, then its case was closed or deleted: paging stopped
)

// Alert is one urgent case's alert. Its id is the case id. Step, Tier and
// Round say how far escalation got; the counters are for display (the
// claim documents are the truth).
type Alert struct {
	ID            string     `bson:"_id"`
	ForceID       string     `bson:"forceId"`
	PolicyID      string     `bson:"policyId"`
	OpenedAt      time.Time  `bson:"openedAt"`
	CaseConfirmed bool       `bson:"caseConfirmed"`
	State         string     `bson:"state"`
	Step          int        `bson:"step"`
	Tier          int        `bson:"tier"`
	Round         int        `bson:"round"`
	PagesSent     int        `bson:"pagesSent"`
	Gaps          int        `bson:"gaps"`
	FirstPageAt   *time.Time `bson:"firstPageAt,omitempty"`
	DeliveredAt   *time.Time `bson:"deliveredAt,omitempty"`
	AckAt         *time.Time `bson:"ackAt,omitempty"`
	AckBy         string     `bson:"ackBy,omitempty"`
	EndedAt       *time.Time `bson:"endedAt,omitempty"`
	// Repages counts the pages to supervisors since the policy ran out.
	Repages int `bson:"repages,omitempty"`
	// Flood is the flood marking intake gave the case, stored when the
	// alert opens; nil on alerts opened without it (the engine then reads
	// it from the case).
	Flood *reports.AlertFlood `bson:"flood,omitempty"`
	// Case is what the alert may show of its case, read from the case when
	// the alert is listed (never stored with the alert, never pushed).
	Case *reports.AlertInfo `bson:"-"`
}

// activeDoc lists an alert still being dispatched; the sweeper reads this
// small collection, due first.
type activeDoc struct {
	ID       string    `bson:"_id"`
	ForceID  string    `bson:"forceId"`
	OpenedAt time.Time `bson:"openedAt"`
	DueAt    time.Time `bson:"dueAt"`
}

type ackDoc struct {
	ID     string    `bson:"_id"`
	UserID string    `bson:"userId"`
	At     time.Time `bson:"at"`
}

// Open is OpenUrgent for a case whose flood marking the engine reads from
// the case when it needs it.
func (d *Dispatcher) Open(ctx context.Context, caseID, forceID string, at time.Time) error {
	return d.open(ctx, caseID, forceID, at, nil)
}

// OpenUrgent durably records that case caseID of force forceID needs an
// urgent alert, with the case's flood marking. Reports call it BEFORE
// inserting the case; it is idempotent. The force's default policy is
// pinned now so that every instance escalates the same way.
func (d *Dispatcher) OpenUrgent(ctx context.Context, caseID, forceID string, at time.Time, flood reports.AlertFlood) error {
	return d.open(ctx, caseID, forceID, at, &flood)
}

func (d *Dispatcher) open(ctx context.Context, caseID, forceID string, at time.Time, flood *reports.AlertFlood) error {
	if caseID == "" || forceID == "" {
		return fmt.Errorf("alerts: open alert: %w", errkind.Invalid("caseId", "is required"))
	}
	at = at.UTC()
	// The active entry goes first: if the process dies before the alert
	// document exists, the sweeper finds the entry and clears it after the
	// grace period; the other order could leave an alert nobody sweeps.
	// Meanwhile the force's default policy is read and the list slot
	// claimed: the slot is named in the alert, and the alert insert that
	// wins decides the one slot that lists it (a slot claimed for an alert
	// that names another lists nothing).
	var policyID, slot string
	var g errgroup.Group
	g.Go(func() (err error) {
		if policyID, err = d.oncall.DefaultPolicyID(ctx, forceID); err != nil {
			err = fmt.Errorf("alerts: open alert %s: %w", caseID, err)
		}
		return err
	})
	g.Go(func() (err error) {
		slot, err = d.claimSlot(ctx, caseID, forceID, regionMain)
		return err
	})
	// The sweeper leaves the alert to its opener for a moment: the opener
	// pages at once and its pass after the pages records the real due
	// time. A sweep in between would only repeat the opener's reads and
	// writes; should the opener die, the alert is swept when the hold ends.
	act := activeDoc{ID: caseID, ForceID: forceID, OpenedAt: at, DueAt: at.Add(d.openHold())}
	var errActive error
	if err := d.inserts.active.InsertOne(ctx, act); err != nil && !database.IsDuplicateKey(err) {
		errActive = fmt.Errorf("alerts: open alert %s: %w", caseID, err)
	}
	if err := errors.Join(errActive, g.Wait()); err != nil {
		return err
	}
	a := Alert{ID: caseID, ForceID: forceID, PolicyID: policyID, OpenedAt: at, State: StateOpen, Flood: flood}
	err := d.inserts.alerts.InsertOne(ctx, slottedAlert{Alert: a, ListSlot: slot})
	if database.IsDuplicateKey(err) {
		if err := d.rearmIfVoided(ctx, caseID, forceID, at); err != nil {
			return err
		}
		return d.ensureListed(ctx, caseID, forceID)
	}
	if err != nil {
		return fmt.Errorf("alerts: open alert %s: %w", caseID, err)
	}
	if policyID == "" {
		d.metrics.unrouted.Inc()
		d.log.ErrorContext(ctx, "urgent alert opened for a force with no default escalation policy",
			"alert_id", caseID, "force_id", forceID)
	}
	d.keepOpened(a)
	return nil
}

// openHold is how long a new alert is left to the instance that opened it
// before another's sweep takes it up: the longest a crash between the
// alert's opening and its first page delays that page.
func (d *Dispatcher) openHold() time.Duration { return min(d.cfg.Lease, maxOpenHold) }

// maxOpenHold bounds openHold.
const maxOpenHold = 10 * time.Second

// Start begins dispatching alert caseID in this process at once. The case
// is stored by now (reports call Start after the insert). Best effort: the
// sweeper covers a crash.
func (d *Dispatcher) Start(caseID string) {
	d.kick(caseID, true)
}

// rearmIfVoided brings back an alert voided because its case was missing:
// a retry of the submission is storing the case now, and a stored urgent
// case must never be without a live alert. The grace period restarts from
// at. The active entry is inserted after the state change, so a sweeper
// that saw the voided state and dropped the entry cannot leave it unswept.
func (d *Dispatcher) rearmIfVoided(ctx context.Context, caseID, forceID string, at time.Time) error {
	a, err := d.alert(ctx, caseID)
	if err != nil {
		return fmt.Errorf("alerts: open alert %s: %w", caseID, err)
	}
	if a.State != StateVoided {
		return nil
	}
	at = at.UTC()
	_, err = d.updateAlert(ctx, caseID, bson.D{
		{Key: "$set", Value: bson.D{{Key: "state", Value: StateOpen}, {Key: "openedAt", Value: at}}},
		{Key: "$unset", Value: bson.D{{Key: "endedAt", Value: ""}}},
	})
	if err != nil {
		return fmt.Errorf("alerts: re-arm alert %s: %w", caseID, err)
	}
	act := activeDoc{ID: caseID, ForceID: forceID, OpenedAt: at, DueAt: at}
	if _, err := d.db.Collection(colActive).InsertOne(ctx, act); err != nil && !database.IsDuplicateKey(err) {
		return fmt.Errorf("alerts: re-arm alert %s: %w", caseID, err)
	}
	d.log.Warn("voided alert re-armed: its case is being stored after all", "alert_id", caseID)
	return nil
}

// Acknowledged records that userID took the case: escalation stops. The
// first acknowledgement wins (claimed by inserting the ack document).
func (d *Dispatcher) Acknowledged(ctx context.Context, caseID, userID string, at time.Time) error {
	if _, err := d.acknowledge(ctx, caseID, userID, at); err != nil {
		return err
	}
	if d.cases == nil {
		return nil
	}
	return d.cases.SetAlertState(ctx, caseID, reports.AlertAcknowledged, at)
}

func (d *Dispatcher) acknowledge(ctx context.Context, alertID, userID string, at time.Time) (bool, error) {
	at = at.UTC()
	_, err := d.db.Collection(colAcks).InsertOne(ctx, ackDoc{ID: alertID, UserID: userID, At: at})
	if database.IsDuplicateKey(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("alerts: ack alert %s: %w", alertID, err)
	}
	a, err := d.alert(ctx, alertID)
	if err == nil {
		d.metrics.ack.Observe(at.Sub(a.OpenedAt).Seconds())
	}
	_, err = d.updateAlert(ctx, alertID, bson.D{{Key: "$set", Value: bson.D{
		{Key: "state", Value: StateAcknowledged}, {Key: "ackAt", Value: at}, {Key: "ackBy", Value: userID}, {Key: "endedAt", Value: at},
	}}})
	if err != nil {
		return true, fmt.Errorf("alerts: ack alert %s: %w", alertID, err)
	}
	d.record(ctx, userID, "alert.acknowledged", alertID, nil)
	d.forget(alertID)
	if _, err := d.db.Collection(colActive).DeleteOne(ctx, bson.D{{Key: "_id", Value: alertID}}); err != nil {
		return true, fmt.Errorf("alerts: ack alert %s: %w", alertID, err)
	}
	return true, nil
}

// Ack is an officer taking the alert through the API: escalation stops and
// the case becomes acknowledged. Another force's alert is NotFound.
func (d *Dispatcher) Ack(ctx context.Context, alertID string) (Alert, error) {
	c, a, err := d.callerAlert(ctx, alertID)
	if err != nil {
		return Alert{}, err
	}
	now := d.now().UTC()
	if _, err := d.acknowledge(ctx, alertID, c.UserID, now); err != nil {
		return Alert{}, err
	}
	if d.cases != nil {
		if err := d.cases.MarkAcknowledged(ctx, alertID, c.UserID, now); err != nil {
			// The sweeper retries the case change from the ack document.
			return Alert{}, fmt.Errorf("alerts: mark case acknowledged: %w", err)
		}
		if err := d.cases.SetAlertState(ctx, alertID, reports.AlertAcknowledged, now); err != nil {
			return Alert{}, fmt.Errorf("alerts: mark case acknowledged: %w", err)
		}
	}
	_ = a
	return d.shown(ctx, alertID)
}

// Get returns one alert of the caller's force with what it may show of its
// case. Another force's alert is NotFound.
func (d *Dispatcher) Get(ctx context.Context, alertID string) (Alert, error) {
	_, a, err := d.callerAlert(ctx, alertID)
	if err != nil {
		return Alert{}, err
	}
	return d.withCase(ctx, a), nil
}

// shown reads alert id again, with its case information, to answer a
// caller.
func (d *Dispatcher) shown(ctx context.Context, id string) (Alert, error) {
	a, err := d.alert(ctx, id)
	if err != nil {
		return Alert{}, err
	}
	return d.withCase(ctx, a), nil
}

// withCase adds what the alert may show of its case. A case that cannot be
// read (deleted by retention, or the store failing) leaves the alert
// without it: an alert is never hidden because its case is unreadable.
func (d *Dispatcher) withCase(ctx context.Context, a Alert) Alert {
	if a.AckAt == nil {
		// On the embedded store an engine update racing the ack's can
		// lose its fields; the ack document is the truth.
		if ack, err := database.FindByID[ackDoc](ctx, d.db.Collection(colAcks), a.ID, errAbsent); err == nil {
			a.State, a.AckAt, a.AckBy = StateAcknowledged, &ack.At, ack.UserID
		}
	}
	if d.cases == nil {
		return a
	}
	in, err := d.cases.AlertInfo(ctx, a.ID)
	if err != nil {
		if !errors.Is(err, errkind.NotFound) {
			d.log.ErrorContext(ctx, "alert shown without its case information", "alert_id", a.ID, "error", err)
		}
		return a
	}
	a.Case = &in
	return a
}

// Received records that the caller's app received the page for alertID.
func (d *Dispatcher) Received(ctx context.Context, alertID string) (Alert, error) {
	c, _, err := d.callerAlert(ctx, alertID)
	if err != nil {
		return Alert{}, err
	}
	now := d.now().UTC()
	_, err = d.db.Collection(colReceipts).InsertOne(ctx, bson.D{
		{Key: "_id", Value: alertID + ":" + c.UserID}, {Key: "alertId", Value: alertID},
		{Key: "userId", Value: c.UserID}, {Key: "at", Value: now},
	})
	if database.IsDuplicateKey(err) {
		return d.shown(ctx, alertID)
	}
	if err != nil {
		return Alert{}, fmt.Errorf("alerts: receipt %s: %w", alertID, err)
	}
	_, err = d.updateAlert(ctx, alertID, bson.D{{Key: "$min", Value: bson.D{{Key: "deliveredAt", Value: now}}}})
	if err != nil {
		return Alert{}, fmt.Errorf("alerts: receipt %s: %w", alertID, err)
	}
	d.record(ctx, c.UserID, "alert.received", alertID, nil)
	return d.shown(ctx, alertID)
}

// callerAlert loads alertID for an officer or supervisor of its force.
func (d *Dispatcher) callerAlert(ctx context.Context, alertID string) (accounts.Caller, Alert, error) {
	c, err := staff.Caller(ctx)
	if err != nil {
		return c, Alert{}, err
	}
	a, err := d.alert(ctx, alertID)
	if err != nil {
		return c, Alert{}, err
	}
	if a.ForceID != c.ForceID || c.OrgKind != accounts.OrgForce || a.State == StateVoided {
		return c, Alert{}, fmt.Errorf("alerts: alert %s: %w", alertID, errkind.NotFound)
	}
	return c, a, nil
}

func (d *Dispatcher) alert(ctx context.Context, id string) (Alert, error) {
	a, err := database.FindByID[Alert](ctx, d.db.Collection(colAlerts), id, fmt.Errorf("alerts: alert %s: %w", id, errkind.NotFound))
	if err != nil {
		return Alert{}, err
	}
	if a.AckAt != nil {
		a.State = StateAcknowledged
	}
	return a, nil
}

// record appends to the audit log; a failure is logged, never blocking a
// page (the page matters more than its record).
func (d *Dispatcher) record(ctx context.Context, actor, action, alertID string, detail map[string]string) {
	d.recordEntry(ctx, audit.Entry{Actor: actor, Action: action, ObjectType: "alert", ObjectID: alertID, Detail: detail})
}

// recordSystem is record for the engine's own entries; first marks those of
// step 0, the first an alert normally has, whose links start without a
// read (audit.Entry.New).
func (d *Dispatcher) recordSystem(ctx context.Context, action, alertID string, detail map[string]string, first bool) {
	d.recordEntry(ctx, audit.Entry{Action: action, ObjectType: "alert", ObjectID: alertID, Detail: detail, New: first})
}

func (d *Dispatcher) recordEntry(ctx context.Context, e audit.Entry) {
	if d.audit == nil {
		return
	}
	if e.Actor == "" {
		e.Actor = "system"
	}
	if err := d.audit.Record(ctx, e); err != nil {
		d.log.ErrorContext(ctx, "audit record failed", "action", e.Action, "alert_id", e.ObjectID, "error", err)
	}
}
