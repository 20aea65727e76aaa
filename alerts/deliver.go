package alerts

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/cenkalti/backoff/v4"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"speaksafe/database"
	"speaksafe/devices"
	"speaksafe/errkind"
)

// Delivery outcomes. Sent, unregistered, skipped and failed (the retry
// budget is spent, or the sender can never deliver) are final; retry is
// tried again at RetryAt.
const (
	outcomeSent         = "sent"
	outcomeRetry        = "retry"
	outcomeUnregistered = "unregistered"
	outcomeSkipped      = "skipped"
	outcomeFailed       = "failed"
)

func finalOutcome(o string) bool {
	return o == outcomeSent || o == outcomeUnregistered || o == outcomeSkipped || o == outcomeFailed
}

// pageDoc summarises one delivery (one device or the webhook, one step):
// the last attempt and its outcome, from the second attempt on (without
// one, attempt 0 is where to look). It is a hint for where to look; the
// attempt documents are the truth.
type pageDoc struct {
	ID        string    `bson:"_id"`
	AlertID   string    `bson:"alertId"`
	Step      int       `bson:"step"`
	Target    string    `bson:"target"`
	Attempt   int       `bson:"attempt"`
	Status    string    `bson:"status"`
	Reason    string    `bson:"reason,omitempty"`
	RetryAt   time.Time `bson:"retryAt,omitempty"`
	UpdatedAt time.Time `bson:"updatedAt"`
}

// attemptDoc is one try at one delivery, claimed by inserting
// "<alertID>:<step>:<target>:<n>": only its holder sends. An attempt with
// no outcome past its lease belongs to a worker that died, and the next
// number may be claimed (a repeat with the same collapse key).
type attemptDoc struct {
	ID         string     `bson:"_id"`
	AlertID    string     `bson:"alertId"`
	Step       int        `bson:"step"`
	Target     string     `bson:"target"`
	N          int        `bson:"n"`
	By         string     `bson:"by"`
	ClaimedAt  time.Time  `bson:"claimedAt"`
	LeaseUntil time.Time  `bson:"leaseUntil"`
	Outcome    string     `bson:"outcome,omitempty"`
	Reason     string     `bson:"reason,omitempty"`
	RetryAt    time.Time  `bson:"retryAt,omitempty"`
	FinishedAt *time.Time `bson:"finishedAt,omitempty"`
}

// deliver makes sure one target of one step is delivered: it claims the
// next attempt unless another worker holds a live one, sends, and records
// the outcome. It returns when the target needs attention again, or its
// final outcome when it is over. sending is called as the send begins.
//
// The first delivery of a step this process has just claimed sends at
// once: its attempt 0 was claimed with the step (stepDevice.Held), the
// device was checked pageable then, and the attempt's document is written
// once, with its outcome. Any other worker leaves a held attempt alone
// until the step's lease ends.
func (d *Dispatcher) deliver(ctx context.Context, a Alert, s stepDoc, target string, sending func()) (time.Time, string, error) {
	key := s.ID + ":" + target
	if dv, prepared := d.takeReady(a.ID, targetKey(s.Step, target)); prepared {
		att := attemptDoc{ID: key + ":0", AlertID: a.ID, Step: s.Step, Target: target, By: d.cfg.Instance,
			ClaimedAt: s.StartedAt, LeaseUntil: s.StartedAt.Add(d.cfg.Lease)}
		return d.attempt(ctx, a, s, target, att, &dv, sending, true)
	}
	pg, err := database.FindByID[pageDoc](ctx, d.db.Collection(colPages), key, nil)
	if err != nil {
		return time.Time{}, "", err
	}
	if finalOutcome(pg.Status) {
		return time.Time{}, pg.Status, nil
	}
	for n := pg.Attempt; n < pg.Attempt+1000; n++ {
		now := d.now().UTC()
		att := attemptDoc{ID: key + ":" + strconv.Itoa(n), AlertID: a.ID, Step: s.Step, Target: target, N: n,
			By: d.cfg.Instance, ClaimedAt: now, LeaseUntil: now.Add(d.cfg.Lease)}
		held := n == 0 && s.held(target) && now.Before(s.StartedAt.Add(d.cfg.Lease))
		if !held {
			_, err := d.db.Collection(colAttempts).InsertOne(ctx, att)
			if err == nil {
				return d.attempt(ctx, a, s, target, att, nil, sending, false)
			}
			if !database.IsDuplicateKey(err) {
				return time.Time{}, "", err
			}
		}
		att, err = database.FindByID[attemptDoc](ctx, d.db.Collection(colAttempts), att.ID, errAbsent)
		switch {
		case held && errors.Is(err, errAbsent):
			// The step's worker is paging it now, or died doing so.
			return s.StartedAt.Add(d.cfg.Lease), "", nil
		case errors.Is(err, errAbsent):
			return time.Time{}, "", fmt.Errorf("alerts: attempt %s vanished after its claim", att.ID)
		case err != nil:
			return time.Time{}, "", err
		case finalOutcome(att.Outcome):
			return time.Time{}, att.Outcome, nil
		case att.Outcome == outcomeRetry && att.RetryAt.After(now):
			return att.RetryAt, "", nil
		case att.Outcome == "" && att.LeaseUntil.After(now):
			return att.LeaseUntil, "", nil
		}
		// A retry that is due, or a holder that died: try the next number.
	}
	return time.Time{}, "", fmt.Errorf("alerts: delivery %s: too many attempts", key)
}

// attempt sends once for a claimed attempt and records the outcome. A
// failure is retried until the delivery's budget (MaxAttempts) is spent;
// a sender that can never deliver gives up at once.
//
// held says the attempt was claimed with its step and has no document yet.
func (d *Dispatcher) attempt(ctx context.Context, a Alert, s stepDoc, target string, att attemptDoc, ready *devices.Device, sending func(), held bool) (time.Time, string, error) {
	var err error
	var reason string
	if target == "webhook" {
		err = d.sendWebhook(ctx, a, s, sending)
	} else {
		reason, err = d.sendPage(ctx, a, s, target, ready, sending)
	}
	now := d.now().UTC()
	att.Outcome, att.FinishedAt = outcomeSent, &now
	switch {
	case reason != "":
		att.Outcome, att.Reason = outcomeSkipped, reason
	case err == nil:
	case ReasonOf(err) == ReasonUnregistered:
		att.Outcome, att.Reason = outcomeUnregistered, string(ReasonUnregistered)
		if rerr := d.devices.Remove(ctx, target); rerr != nil {
			d.log.ErrorContext(ctx, "dead device not removed", "alert_id", a.ID, "error", rerr)
		}
	case ReasonOf(err) == ReasonNoPush || att.N+1 >= d.cfg.MaxAttempts:
		att.Outcome, att.Reason = outcomeFailed, string(ReasonOf(err))
	default:
		att.Outcome, att.Reason = outcomeRetry, string(ReasonOf(err))
		att.RetryAt = now.Add(retryDelay(att.N, RetryAfterOf(err)))
	}
	d.countAttempt(target, att)
	if err := d.recordAttempt(ctx, s, target, att, held); err != nil {
		return time.Time{}, "", err
	}
	switch att.Outcome {
	case outcomeRetry:
		d.log.WarnContext(ctx, "delivery failed; retrying beside the escalation clock", "alert_id", a.ID,
			"step", s.Step, "attempt", att.N, "reason", att.Reason, "retry_at", att.RetryAt)
		return att.RetryAt, "", nil
	case outcomeFailed:
		d.log.ErrorContext(ctx, "delivery given up; escalation carries on", "alert_id", a.ID,
			"step", s.Step, "attempts", att.N+1, "reason", att.Reason)
	}
	if target != "webhook" {
		d.recordSystem(ctx, "alert.page", a.ID, map[string]string{
			"step": strconv.Itoa(s.Step), "device": target, "user": s.userOf(target), "outcome": att.Outcome, "reason": att.Reason},
			s.Step == 0 && att.N == 0)
	}
	return time.Time{}, att.Outcome, nil
}

func (d *Dispatcher) countAttempt(target string, att attemptDoc) {
	if target == "webhook" {
		d.metrics.webhooks.WithLabelValues(att.Outcome).Inc()
		return
	}
	d.metrics.pages.WithLabelValues(att.Outcome).Inc()
	if att.Outcome == outcomeRetry || att.Outcome == outcomeUnregistered || att.Outcome == outcomeFailed {
		d.metrics.failures.WithLabelValues(att.Reason).Inc()
	}
}

// recordAttempt writes the outcome of attempt att: a held attempt's
// document is inserted with it, any other's updated.
func (d *Dispatcher) recordAttempt(ctx context.Context, s stepDoc, target string, att attemptDoc, held bool) error {
	var err error
	if held {
		err = d.inserts.attempts.InsertOne(ctx, att)
		// Taken over after its lease (a send slower than the lease): the
		// outcome is still this attempt's to record.
		held = !database.IsDuplicateKey(err)
	}
	if !held {
		_, err = d.db.Collection(colAttempts).UpdateOne(ctx, bson.D{{Key: "_id", Value: att.ID}}, bson.D{{Key: "$set", Value: bson.D{
			{Key: "outcome", Value: att.Outcome}, {Key: "reason", Value: att.Reason},
			{Key: "retryAt", Value: att.RetryAt}, {Key: "finishedAt", Value: att.FinishedAt},
		}}})
	}
	if err != nil {
		return fmt.Errorf("alerts: record attempt %s: %w", att.ID, err)
	}
	if att.N == 0 {
		// No summary needed: a worker without one starts at attempt 0,
		// whose document holds this outcome.
		return nil
	}
	pg := pageDoc{ID: s.ID + ":" + target, AlertID: s.AlertID, Step: s.Step, Target: target, Attempt: att.N,
		Status: att.Outcome, Reason: att.Reason, RetryAt: att.RetryAt, UpdatedAt: *att.FinishedAt}
	_, err = d.db.Collection(colPages).ReplaceOne(ctx, bson.D{{Key: "_id", Value: pg.ID}}, pg, options.Replace().SetUpsert(true))
	if err != nil {
		return fmt.Errorf("alerts: record page %s: %w", pg.ID, err)
	}
	return nil
}

// sendPage pushes to one device. A device that is gone or whose owner may
// no longer be paged is skipped with a reason (and removed). ready is the
// device as its step was resolved a moment ago, checked pageable then; nil
// to read and check it now.
func (d *Dispatcher) sendPage(ctx context.Context, a Alert, s stepDoc, deviceID string, ready *devices.Device, sending func()) (string, error) {
	var dv devices.Device
	if ready != nil {
		dv = *ready
	} else {
		var skip string
		var err error
		if dv, skip, err = d.pageableDevice(ctx, deviceID); skip != "" || err != nil {
			return skip, err
		}
	}
	text := d.digestText(ctx, a, s.Digest)
	sctx, cancel := context.WithTimeout(ctx, d.cfg.SendTimeout)
	defer cancel()
	sending()
	_, err := d.sender.Send(sctx, Page{AlertID: a.ID, Token: dv.Token, Platform: dv.Platform,
		TTL: time.Duration(s.TTL) * time.Second, Text: text})
	if err != nil {
		return "", err
	}
	d.pageSent(ctx, a)
	return "", nil
}

// pageableDevice reads device id and checks that it may still be paged;
// otherwise it says why it is skipped (and removes one whose owner may no
// longer be paged).
func (d *Dispatcher) pageableDevice(ctx context.Context, id string) (devices.Device, string, error) {
	dv, err := d.devices.Get(ctx, id)
	if errors.Is(err, errkind.NotFound) {
		return dv, "device_removed", nil
	}
	if err != nil {
		return dv, "", err
	}
	ok, err := d.devices.Pageable(ctx, dv)
	if err != nil {
		return dv, "", err
	}
	if !ok {
		if err := d.devices.Remove(ctx, dv.ID); err != nil {
			return dv, "", err
		}
		return dv, "user_inactive", nil
	}
	return dv, "", nil
}

// takeReady returns, once, the device checked pageable when its step was
// claimed here.
func (d *Dispatcher) takeReady(alertID, key string) (devices.Device, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	dv, ok := d.ready[alertID][key]
	if ok {
		delete(d.ready[alertID], key)
	}
	return dv, ok
}

// pageSent updates the alert's counters after an accepted page.
func (d *Dispatcher) pageSent(ctx context.Context, a Alert) {
	now := d.now().UTC()
	d.mu.Lock()
	first := a.FirstPageAt == nil && !d.paged[a.ID]
	d.paged[a.ID] = true
	d.mu.Unlock()
	if first {
		d.metrics.firstPage.Observe(now.Sub(a.OpenedAt).Seconds())
	}
	_, err := d.updateAlert(ctx, a.ID, bson.D{
		{Key: "$min", Value: bson.D{{Key: "firstPageAt", Value: now}}},
		{Key: "$inc", Value: bson.D{{Key: "pagesSent", Value: 1}}},
	})
	if err != nil {
		d.log.ErrorContext(ctx, "page count not recorded", "alert_id", a.ID, "error", err)
	}
}

// sendWebhook posts the signed event for a webhook step.
func (d *Dispatcher) sendWebhook(ctx context.Context, a Alert, s stepDoc, sending func()) error {
	p, err := d.oncall.Policy(ctx, a.ForceID, a.PolicyID)
	if err != nil {
		return err
	}
	if s.Tier >= len(p.Tiers) || p.Tiers[s.Tier].Webhook == nil {
		return &SendError{Reason: ReasonInvalid, Err: errors.New("webhook tier missing")}
	}
	sctx, cancel := context.WithTimeout(ctx, d.cfg.SendTimeout)
	defer cancel()
	ev := WebhookEvent{Event: "alert.unacknowledged", AlertID: a.ID, ForceID: a.ForceID, OpenedAt: a.OpenedAt,
		Step: s.Step, Tier: s.Tier, Round: s.Round, SentAt: d.now().UTC().Truncate(time.Second)}
	sending()
	return postWebhook(sctx, d.hc, p.Tiers[s.Tier].Webhook.URL, d.cfg.WebhookSecret, ev)
}

// retryDelay is the wait before attempt n+1: exponential from one second to
// a minute with ±50% jitter, never shorter than the server's Retry-After
// (capped at an hour).
func retryDelay(n int, retryAfter time.Duration) time.Duration {
	b := backoff.NewExponentialBackOff()
	b.InitialInterval, b.MaxInterval, b.Multiplier, b.RandomizationFactor = time.Second, time.Minute, 2, 0.5
	b.MaxElapsedTime = 0
	b.Reset()
	var wait time.Duration
	for i := 0; i <= min(n, 12); i++ {
		wait = b.NextBackOff()
	}
	return max(wait, min(retryAfter, time.Hour))
}
