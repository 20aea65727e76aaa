package alerts

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"speaksafe/database"
	"speaksafe/errkind"
	"speaksafe/reports"
)

// Flood control acts on how pages are grouped, never on storing a report
// (SECURITY 30). Two things fold an alert's page step into a digest page:
//   - its case is in a flood group (intake marks urgent reports beyond a
//     per-network or per-force threshold): one digest per group, tier step
//     and DigestWindow;
//   - its force already had PageRatePerForce individual page steps this
//     minute: one digest per force, tier step and minute.
//
// The first alert to claim a digest (by inserting its deterministic _id
// into alert_digests) pages it; every other alert's step is folded into it
// and pages nobody. Every alert still exists, escalates on its own clock,
// reaches the control-room webhook and is listed.

// DigestWindow is the span of one flood group's digest per tier step.
const DigestWindow = 10 * time.Minute

// Digest kinds.
const (
	digestNetwork = "network"
	digestForce   = "force"
	digestRate    = "rate"
)

// digest is a page step's digest: which claim it holds and what it says.
type digest struct {
	ID    string    `bson:"id"`
	Kind  string    `bson:"kind"`
	Since time.Time `bson:"since"`
}

type digestDoc struct {
	ID      string    `bson:"_id"`
	AlertID string    `bson:"alertId"`
	At      time.Time `bson:"at"`
}

// fold decides whether page step s of alert a goes out on its own, as a
// digest this alert pages, or folded into another alert's digest.
func (d *Dispatcher) fold(ctx context.Context, a Alert, s *stepDoc, now time.Time) error {
	dg, err := d.digestFor(ctx, a, s.Step, now)
	if err != nil || dg == nil {
		return err
	}
	claim := digestDoc{ID: dg.ID, AlertID: a.ID, At: now}
	_, err = d.db.Collection(colDigests).InsertOne(ctx, claim)
	if database.IsDuplicateKey(err) {
		claim, err = database.FindByID[digestDoc](ctx, d.db.Collection(colDigests), dg.ID, errAbsent)
	}
	if err != nil {
		return fmt.Errorf("alerts: digest %s: %w", dg.ID, err)
	}
	if claim.AlertID == a.ID {
		s.Digest = dg
		return nil
	}
	s.Kind, s.FoldedInto, s.Devices = stepFolded, claim.AlertID, nil
	return nil
}

// digestFor returns the digest step k of alert a belongs to, or nil when
// it is paged on its own (which takes one of the force's page slots).
func (d *Dispatcher) digestFor(ctx context.Context, a Alert, k int, now time.Time) (*digest, error) {
	fl, err := d.floodOf(ctx, a)
	if err != nil {
		return nil, err
	}
	if fl.Group != "" {
		kind := digestNetwork
		if fl.Kind == reports.FloodForce {
			kind = digestForce
		}
		w := now.Truncate(DigestWindow)
		return &digest{ID: "flood:" + fl.Group + ":" + strconv.FormatInt(w.Unix(), 10) + ":" + strconv.Itoa(k),
			Kind: kind, Since: now.Add(-DigestWindow)}, nil
	}
	minute := now.Truncate(time.Minute)
	ok, err := d.takePageSlot(ctx, a.ForceID, minute, stepID(a.ID, k))
	if err != nil || ok {
		return nil, err
	}
	return &digest{ID: "rate:" + a.ForceID + ":" + strconv.FormatInt(minute.Unix(), 10) + ":" + strconv.Itoa(k),
		Kind: digestRate, Since: now.Add(-time.Minute)}, nil
}

// floodOf returns the flood marking of alert a's case: stored on the
// alert when it opened, read from the case for alerts opened without it.
func (d *Dispatcher) floodOf(ctx context.Context, a Alert) (reports.AlertFlood, error) {
	if a.Flood != nil {
		return *a.Flood, nil
	}
	if d.cases == nil {
		return reports.AlertFlood{}, nil
	}
	in, err := d.cases.AlertInfo(ctx, a.ID)
	if err != nil && !errors.Is(err, errkind.NotFound) {
		return reports.AlertFlood{}, err
	}
	return reports.AlertFlood{Group: in.FloodGroup, Kind: in.FloodKind}, nil
}

// pageSlotDoc is one of a force's individual page slots of a minute,
// taken by one alert's page step.
type pageSlotDoc struct {
	ID      string    `bson:"_id"`
	ForceID string    `bson:"forceId"`
	Minute  time.Time `bson:"minute"`
	Step    string    `bson:"step"`
}

// takePageSlot claims one of the force's PageRatePerForce individual page
// slots of minute for page step step (stepID) by inserting
// "<force>:<minute>:<n>"; false when all are taken. A hint remembers where
// this process got to.
//
// Two instances may resolve one alert's step at once (the report's own
// pass and a sweep); only one of them claims the step, but both ask for a
// slot. A slot found taken by the same step is therefore this step's: the
// step holds one slot whichever instance wins. Scans go up from each
// process's hint, below which every slot is taken, so both meet the first
// slot either of them took for the step before any free one. Claimers of
// one force's slots in this process take turns (database.ClaimLocks).
func (d *Dispatcher) takePageSlot(ctx context.Context, forceID string, minute time.Time, step string) (bool, error) {
	prefix := forceID + ":" + strconv.FormatInt(minute.Unix(), 10) + ":"
	unlock, err := d.claims.Lock(ctx, "page:"+prefix)
	if err != nil {
		return false, fmt.Errorf("alerts: page slot: %w", err)
	}
	defer unlock()
	d.mu.Lock()
	n := d.slotHint[prefix]
	d.mu.Unlock()
	slots := d.db.Collection(colPageSlots)
	for ; n < d.cfg.PageRatePerForce; n++ {
		id := prefix + strconv.Itoa(n)
		_, err := slots.InsertOne(ctx, pageSlotDoc{ID: id, ForceID: forceID, Minute: minute, Step: step})
		if database.IsDuplicateKey(err) {
			held, rerr := database.FindByID[pageSlotDoc](ctx, slots, id, nil)
			if rerr != nil {
				return false, fmt.Errorf("alerts: page slot: %w", rerr)
			}
			if held.Step != step {
				continue
			}
			err = nil
		}
		if err != nil {
			return false, fmt.Errorf("alerts: page slot: %w", err)
		}
		break
	}
	d.mu.Lock()
	if d.slotHint[prefix] < n+1 {
		d.slotHint = map[string]int{prefix: n + 1} // only the current minute matters
	}
	d.mu.Unlock()
	return n < d.cfg.PageRatePerForce, nil
}

// digestText is what a digest page says: a count and generic words, never
// anything of a report. The count is the force's alerts opened in the
// digest's span and still active (the small collection the sweeper reads).
func (d *Dispatcher) digestText(ctx context.Context, a Alert, dg *digest) string {
	if dg == nil {
		return ""
	}
	n, err := d.db.Collection(colActive).CountDocuments(ctx, bson.D{{Key: "forceId", Value: a.ForceID},
		{Key: "openedAt", Value: bson.D{{Key: "$gte", Value: dg.Since}}}})
	if err != nil || n < 1 {
		n = 1
	}
	switch dg.Kind {
	case digestNetwork:
		return fmt.Sprintf("%d urgent reports from one network in the last 10 minutes — open SpeakSafe", n)
	case digestForce:
		return fmt.Sprintf("%d urgent reports from many networks in the last 10 minutes — open SpeakSafe", n)
	}
	return fmt.Sprintf("%d urgent reports in the last minute — open SpeakSafe", n)
}
