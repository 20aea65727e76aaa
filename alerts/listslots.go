package alerts

import (
	"context"
	"fmt"
	"sync"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"speaksafe/database"
	"speaksafe/errkind"
)

// The alert list reads O(page) from the store on every engine: each force
// has a sequence of list slots, and a page reads slots one by one by _id,
// newest first (the embedded store answers no other filter from an index).
//
// Slot n of force f holds one alert id. An alert opening claims the slot
// after the newest by inserting it: a duplicate _id fails atomically, so of
// writers racing for one slot exactly one gets it and the others take the
// next, on one instance or several, and the sequence has no gaps. The
// alert's listed mark (_id: the alert id, naming its slot) is inserted
// next; it is the claim that counts: a slot lists its alert only when the
// mark names that slot, so an alert claimed twice (a retried submission,
// two instances backfilling at once) is listed once, at the slot whose mark
// insert won. Slots and marks are never deleted.
//
// The newest slot is found from the newest this instance knows (or the
// force's stored hint when it knows none) by doubling steps, then halving:
// O(log distance) reads by _id. The hint is stored when a search went far;
// it only ever names a slot that exists, so a lost write leaves it lower,
// never wrong.
//
// Alerts stored before the slots existed are listed from a second region
// of slots, the old region, read after slot 1 of the main one: see
// BackfillList and docs/alerts.md.
const (
	colListSlots = "alert_list_slots"
	colListed    = "alert_listed"
	colListHeads = "alert_list_heads"
)

// Regions of a force's list slots: main holds the alerts opened since the
// slots exist (read from the newest down to 1), old the alerts stored
// before, newest first (read from 1 up).
const (
	regionMain = 'm'
	regionOld  = 'o'
)

// slotPos is a position in a force's list: a region and a slot number.
type slotPos struct {
	region byte
	n      int64
}

// slotID is the _id of the slot at p of force forceID: fixed-width before
// the force id, so that no two forces' slots can share an _id.
func slotID(forceID string, p slotPos) string {
	return string(p.region) + database.SeqKey(p.n) + "#" + forceID
}

// next is the position read after p, in list order.
func (p slotPos) next() slotPos {
	if p.region == regionMain {
		if p.n > 1 {
			return slotPos{regionMain, p.n - 1}
		}
		return slotPos{regionOld, 1}
	}
	return slotPos{regionOld, p.n + 1}
}

type listSlot struct {
	ID      string `bson:"_id"`
	ForceID string `bson:"forceId"`
	AlertID string `bson:"alertId"`
}

// listedDoc marks an alert as listed, at slot Slot.
type listedDoc struct {
	ID   string `bson:"_id"`
	Slot string `bson:"slot"`
}

// listHead is a force's stored hint: slot N of the region exists.
type listHead struct {
	ID string `bson:"_id"`
	N  int64  `bson:"n"`
}

// listKnown is the newest slot this instance knows of, per force and
// region, and the alert of each slot it has read (a slot never changes
// once inserted, so an instance may keep it as long as it likes: up to
// cachedSlotsAtMost, then it starts again). The zero value is ready.
type listKnown struct {
	mu    sync.Mutex
	n     map[string]int64
	slots map[string]string // slot id → alert id
}

// cachedSlotsAtMost bounds the slots an instance keeps in memory (about
// 100 bytes each).
const cachedSlotsAtMost = 100_000

func (k *listKnown) slot(id string) (string, bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	a, ok := k.slots[id]
	return a, ok
}

func (k *listKnown) keepSlot(id, alertID string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.slots == nil || len(k.slots) >= cachedSlotsAtMost {
		k.slots = map[string]string{}
	}
	k.slots[id] = alertID
}

func (k *listKnown) get(key string) int64 {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.n[key]
}

func (k *listKnown) saw(key string, n int64) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.n == nil {
		k.n = map[string]int64{}
	}
	if n > k.n[key] {
		k.n[key] = n
	}
}

func headKey(forceID string, region byte) string { return string(region) + "#" + forceID }

// Slot claims: how many inserts at most, after how many taken numbers in a
// row the newest is searched for again, and how far a search goes before
// it stores the hint.
const (
	maxSlotClaims    = 400
	slotSearchAfter  = 8
	storeHintAtLeast = 16
)

// listAlert appends alert alertID of force forceID, stored without a
// list slot, to the region's slots, and marks it listed there.
func (d *Dispatcher) listAlert(ctx context.Context, alertID, forceID string, region byte) error {
	slot, err := d.claimSlot(ctx, alertID, forceID, region)
	if err != nil {
		return err
	}
	_, err = d.db.Collection(colListed).InsertOne(ctx, listedDoc{ID: alertID, Slot: slot})
	if err != nil && !database.IsDuplicateKey(err) {
		return fmt.Errorf("alerts: list alert %s: %w", alertID, err)
	}
	return nil
}

// slottedAlert is an alert as stored since the list slots exist: ListSlot
// is the slot that lists it, claimed before the alert was inserted (a
// retried opening claims another, which lists nothing). An alert stored
// before has none: its listed mark names its slot.
type slottedAlert struct {
	Alert    `bson:",inline"`
	ListSlot string `bson:"listSlot,omitempty"`
}

// listed reports whether alert alertID has its listed mark.
func (d *Dispatcher) listed(ctx context.Context, alertID string) (bool, error) {
	m, err := database.FindByID[listedDoc](ctx, d.db.Collection(colListed), alertID, nil)
	if err != nil {
		return false, fmt.Errorf("alerts: list alert %s: %w", alertID, err)
	}
	return m.ID != "", nil
}

// ensureListed lists alertID, opened again, unless it is listed already:
// an alert stored before the slots, whose submission is retried now.
func (d *Dispatcher) ensureListed(ctx context.Context, alertID, forceID string) error {
	a, err := database.FindByID[slottedAlert](ctx, d.db.Collection(colAlerts), alertID, nil)
	if err != nil || a.ListSlot != "" {
		return err
	}
	ok, err := d.listed(ctx, alertID)
	if err != nil || ok {
		return err
	}
	return d.listAlert(ctx, alertID, forceID, regionMain)
}

// claimSlot inserts the slot after the newest, holding alertID; when
// others took it, the next ones in turn, searching again after several.
// When this instance knows a slot of the region it tries the one after it
// at once: the insert is the claim, and a slot taken meanwhile only moves
// it on (and after a few, to a search).
//
// Claimers of one list in this process take turns (database.ClaimLocks).
func (d *Dispatcher) claimSlot(ctx context.Context, alertID, forceID string, region byte) (string, error) {
	key := headKey(forceID, region)
	unlock, err := d.claims.Lock(ctx, "list:"+key)
	if err != nil {
		return "", fmt.Errorf("alerts: list slot: %w", err)
	}
	defer unlock()
	last := d.lists.get(key)
	if last == 0 {
		if last, err = d.lastSlot(ctx, forceID, region, 0); err != nil {
			return "", err
		}
	}
	n := last + 1
	for attempt := 1; attempt <= maxSlotClaims; attempt++ {
		id := slotID(forceID, slotPos{region, n})
		_, err := d.db.Collection(colListSlots).InsertOne(ctx, listSlot{ID: id, ForceID: forceID, AlertID: alertID})
		if err == nil {
			d.lists.saw(key, n)
			d.lists.keepSlot(id, alertID)
			if n%storeHintAtLeast == 0 {
				// Claims that skip the search keep the stored hint near
				// the newest slot for instances that start cold.
				d.storeHint(ctx, key, n)
			}
			return id, nil
		}
		if !database.IsDuplicateKey(err) {
			return "", fmt.Errorf("alerts: list alert %s: %w", alertID, err)
		}
		if attempt%slotSearchAfter != 0 {
			n++
			continue
		}
		last, err := d.lastSlot(ctx, forceID, region, n)
		if err != nil {
			return "", err
		}
		n = last + 1
	}
	return "", fmt.Errorf("alerts: list alert %s: too much contention: %w", alertID, errkind.Conflict)
}

// lastSlot returns the newest slot of the region (0 when it has none),
// searching from the newest of from, this instance's known slot and the
// stored hint (each a slot that exists, or 0): the sequence has no gaps.
func (d *Dispatcher) lastSlot(ctx context.Context, forceID string, region byte, from int64) (int64, error) {
	key := headKey(forceID, region)
	start := max(from, d.lists.get(key))
	if start == 0 {
		h, err := database.FindByID[listHead](ctx, d.db.Collection(colListHeads), key, nil)
		if err != nil {
			return 0, fmt.Errorf("alerts: list head: %w", err)
		}
		start = h.N
	}
	last, err := d.searchSlots(ctx, forceID, region, start)
	if err != nil {
		return 0, err
	}
	d.lists.saw(key, last)
	if last-start >= storeHintAtLeast {
		d.storeHint(ctx, key, last)
	}
	return last, nil
}

// searchSlots finds the newest slot from lo, a slot that exists (or 0),
// by doubling steps and then halving.
func (d *Dispatcher) searchSlots(ctx context.Context, forceID string, region byte, lo int64) (int64, error) {
	return database.LastTaken(lo, func(n int64) (bool, error) { return d.slotExists(ctx, forceID, slotPos{region, n}) })
}

func (d *Dispatcher) slotExists(ctx context.Context, forceID string, p slotPos) (bool, error) {
	s, err := d.readSlot(ctx, forceID, p)
	return s.ID != "", err
}

// readSlot reads the slot at p (from memory when this instance read it
// before); the zero slot when it is free.
func (d *Dispatcher) readSlot(ctx context.Context, forceID string, p slotPos) (listSlot, error) {
	id := slotID(forceID, p)
	if alertID, ok := d.lists.slot(id); ok {
		return listSlot{ID: id, ForceID: forceID, AlertID: alertID}, nil
	}
	s, err := database.FindByID[listSlot](ctx, d.db.Collection(colListSlots), id, nil)
	if err != nil {
		return listSlot{}, fmt.Errorf("alerts: list slot: %w", err)
	}
	if s.ID != "" {
		d.lists.keepSlot(s.ID, s.AlertID)
	}
	return s, nil
}

// storeHint raises the stored hint to n; best effort (a lost write only
// makes the next cold search longer).
func (d *Dispatcher) storeHint(ctx context.Context, key string, n int64) {
	_, err := d.db.Collection(colListHeads).UpdateOne(ctx, bson.D{{Key: "_id", Value: key}},
		bson.D{{Key: "$max", Value: bson.D{{Key: "n", Value: n}}}}, options.UpdateOne().SetUpsert(true))
	if err != nil && !database.IsDuplicateKey(err) {
		d.log.WarnContext(ctx, "alert list hint not stored", "error", err)
	}
}
