package alerts

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"speaksafe/database"
)

// backfillDoneID is the _id, in colListHeads, of the mark that every
// stored alert is listed: start-ups skip the backfill once it exists.
const backfillDoneID = "backfill-done"

// BackfillList lists the alerts stored before the list slots existed (or
// by an instance of an earlier version still running), in the old region
// of their force's slots, newest first, so that they are listed after every
// alert opened since. It runs at start-up before serving; it is idempotent
// and safe on several instances at once (an alert is listed at the slot
// whose listed mark is inserted first, and any other slot claimed for it is
// skipped). It reads every alert, once per start, until a start finds none
// left to list, and then never again. It answers how many it listed.
func (d *Dispatcher) BackfillList(ctx context.Context) (int, error) {
	done, err := database.FindByID[listHead](ctx, d.db.Collection(colListHeads), backfillDoneID, nil)
	if err != nil {
		return 0, fmt.Errorf("alerts: list backfill: %w", err)
	}
	if done.ID != "" {
		return 0, nil
	}
	all, err := d.allAlertKeys(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, a := range all {
		if a.ListSlot != "" {
			continue
		}
		ok, err := d.listed(ctx, a.ID)
		if err != nil {
			return n, err
		}
		if ok {
			continue
		}
		if err := d.listAlert(ctx, a.ID, a.ForceID, regionOld); err != nil {
			return n, err
		}
		n++
	}
	if n == 0 {
		_, err := d.db.Collection(colListHeads).InsertOne(ctx, listHead{ID: backfillDoneID, N: int64(len(all))})
		if err != nil && !database.IsDuplicateKey(err) {
			return 0, fmt.Errorf("alerts: list backfill: %w", err)
		}
	}
	return n, nil
}

type alertKey struct {
	ID       string    `bson:"_id"`
	ForceID  string    `bson:"forceId"`
	OpenedAt time.Time `bson:"openedAt"`
	ListSlot string    `bson:"listSlot"`
}

// allAlertKeys reads every alert's id, force and opening time, newest
// first (ties by id, so that every instance walks them in one order).
func (d *Dispatcher) allAlertKeys(ctx context.Context) ([]alertKey, error) {
	proj := bson.D{{Key: "forceId", Value: 1}, {Key: "openedAt", Value: 1}, {Key: "listSlot", Value: 1}}
	cur, err := d.db.Collection(colAlerts).Find(ctx, bson.D{}, options.Find().SetProjection(proj))
	if err != nil {
		return nil, fmt.Errorf("alerts: list backfill: %w", err)
	}
	var all []alertKey
	if err := cur.All(ctx, &all); err != nil {
		return nil, fmt.Errorf("alerts: list backfill: %w", err)
	}
	slices.SortFunc(all, func(a, b alertKey) int {
		if c := b.OpenedAt.Compare(a.OpenedAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return all, nil
}
