package alerts

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// PageTimes are when an alert first paged someone and when it was
// acknowledged, for aggregate figures.
type PageTimes struct {
	OpenedAt    time.Time
	FirstPageAt *time.Time
	AckAt       *time.Time
}

// PageTimes returns the page and acknowledgement times of the alerts of
// forces opened in [from, to), keyed by case id (an alert's id is its
// case's). The caller has decided which forces it may count.
func (d *Dispatcher) PageTimes(ctx context.Context, forces []string, from, to time.Time) (map[string]PageTimes, error) {
	out := map[string]PageTimes{}
	if len(forces) == 0 {
		return out, nil
	}
	filter := bson.D{{Key: "forceId", Value: bson.D{{Key: "$in", Value: forces}}},
		{Key: "openedAt", Value: bson.D{{Key: "$gte", Value: from.UTC()}, {Key: "$lt", Value: to.UTC()}}}}
	proj := bson.D{{Key: "openedAt", Value: 1}, {Key: "firstPageAt", Value: 1}, {Key: "ackAt", Value: 1}}
	cur, err := d.db.Collection(colAlerts).Find(ctx, filter, options.Find().SetProjection(proj))
	if err != nil {
		return nil, fmt.Errorf("alerts: page times: %w", err)
	}
	var docs []Alert
	if err := cur.All(ctx, &docs); err != nil {
		return nil, fmt.Errorf("alerts: page times: %w", err)
	}
	for _, a := range docs {
		out[a.ID] = PageTimes{OpenedAt: a.OpenedAt, FirstPageAt: a.FirstPageAt, AckAt: a.AckAt}
	}
	return out, nil
}
