package content

import (
	"context"
	"fmt"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"speaksafe/accounts"
	"speaksafe/database"
	"speaksafe/errkind"
)

// View kinds counted.
const (
	ViewItem       = "item"
	ViewCollection = "collection"
)

// MinShownCount is the smallest count staff are shown: smaller numbers
// could point at individual pupils.
const MinShownCount = 5

// viewCounter adds up views in memory and writes them as $inc on one
// document per target and month. Nothing about the viewer is kept, only
// the count. Batching keeps writes few; on the embedded store $inc is not
// atomic across instances, so counts there are approximate.
type viewCounter struct {
	db  *mongo.Database
	now func() time.Time

	mu      sync.Mutex
	pending map[string]map[string]int64 // doc id → "days.DD" → n
}

func newViewCounter(db *mongo.Database, now func() time.Time) *viewCounter {
	return &viewCounter{db: db, now: now, pending: map[string]map[string]int64{}}
}

func viewDocID(kind, id string, month string) string { return kind + ":" + id + ":" + month }

func (v *viewCounter) add(kind, id string) {
	t := v.now().UTC()
	doc := viewDocID(kind, id, t.Format("2006-01"))
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.pending[doc] == nil {
		v.pending[doc] = map[string]int64{}
	}
	v.pending[doc]["days."+t.Format("02")]++
}

func (v *viewCounter) flush(ctx context.Context) error {
	v.mu.Lock()
	batch := v.pending
	v.pending = map[string]map[string]int64{}
	v.mu.Unlock()
	var firstErr error
	for doc, days := range batch {
		inc := bson.D{}
		for k, n := range days {
			inc = append(inc, bson.E{Key: k, Value: n})
		}
		_, err := v.db.Collection(colViews).UpdateOne(ctx, bson.D{{Key: "_id", Value: doc}},
			bson.D{{Key: "$inc", Value: inc}}, options.UpdateOne().SetUpsert(true))
		if err != nil {
			v.restore(doc, days)
			if firstErr == nil {
				firstErr = fmt.Errorf("content: flush views: %w", err)
			}
		}
	}
	return firstErr
}

// restore puts counts back after a failed write so the next flush retries.
func (v *viewCounter) restore(doc string, days map[string]int64) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.pending[doc] == nil {
		v.pending[doc] = map[string]int64{}
	}
	for k, n := range days {
		v.pending[doc][k] += n
	}
}

// CountView records one view of an item or collection (by id). It only
// touches memory; RunViewFlusher writes the counts.
func (s *Store) CountView(kind, id string) { s.views.add(kind, id) }

// FlushViews writes pending view counts now.
func (s *Store) FlushViews(ctx context.Context) error { return s.views.flush(ctx) }

// RunViewFlusher writes view counts every interval until ctx ends, then
// once more so that a clean shutdown loses nothing.
func (s *Store) RunViewFlusher(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			if err := s.views.flush(fctx); err != nil {
				s.log.Warn("content: final view flush failed", "error", err)
			}
			cancel()
			return
		case <-t.C:
			if err := s.views.flush(ctx); err != nil {
				s.log.Warn("content: view flush failed", "error", err)
			}
		}
	}
}

// DayCount is the number of views on one day; Count is nil when the real
// number is between 1 and MinShownCount-1 (days with no views are left out).
type DayCount struct {
	Day   string
	Count *int64
}

// ViewStats are the views of one item or collection over a period.
type ViewStats struct {
	Kind  string
	ID    string
	Days  []DayCount
	Total *int64 // nil when below MinShownCount
}

// viewStats reads the per-month documents of one target between from and
// to (inclusive days, UTC) by _id.
func (s *Store) viewStats(ctx context.Context, kind, id string, from, to time.Time) (ViewStats, error) {
	out := ViewStats{Kind: kind, ID: id, Days: []DayCount{}}
	var total int64
	for m := time.Date(from.Year(), from.Month(), 1, 0, 0, 0, 0, time.UTC); !m.After(to); m = m.AddDate(0, 1, 0) {
		doc, err := database.FindByID[struct {
			Days map[string]int64 `bson:"days"`
		}](ctx, s.db.Collection(colViews), viewDocID(kind, id, m.Format("2006-01")), nil)
		if err != nil {
			return ViewStats{}, fmt.Errorf("content: view stats: %w", err)
		}
		for d := m; d.Month() == m.Month() && !d.After(to); d = d.AddDate(0, 0, 1) {
			n := doc.Days[d.Format("02")]
			if d.Before(from) || n == 0 {
				continue
			}
			total += n
			out.Days = append(out.Days, DayCount{Day: d.Format("2006-01-02"), Count: shown(n)})
		}
	}
	out.Total = shown(total)
	return out, nil
}

func shown(n int64) *int64 {
	if n < MinShownCount {
		return nil
	}
	return &n
}

// MaxStatsDays is the longest period staff statistics cover.
const MaxStatsDays = 366

// ItemStats are the views of one of the organisation's published items.
type ItemStats struct {
	Slug   string
	Locale string
	Title  string
	ViewStats
}

// Stats are the caller's organisation's view counts over a period.
type Stats struct {
	From, To   time.Time
	Collection *ViewStats // nil for a caller who is not in a school
	Items      []ItemStats
	// CollectionItems are the reads of each item of the caller's school
	// collection through that collection (library items included); nil
	// for a caller who is not in a school.
	CollectionItems []ItemStats
}

// Stats returns view counts by day for the caller's school collection and
// for every item of the caller's organisation that was ever published,
// over the last days days (today included).
func (s *Store) Stats(ctx context.Context, days int) (Stats, error) {
	if days < 1 || days > MaxStatsDays {
		return Stats{}, errkind.Invalid("days", fmt.Sprintf("must be 1 to %d", MaxStatsDays))
	}
	c, err := caller(ctx)
	if err != nil {
		return Stats{}, err
	}
	to := s.now().UTC()
	from := time.Date(to.Year(), to.Month(), to.Day(), 0, 0, 0, 0, time.UTC).AddDate(0, 0, -(days - 1))
	out := Stats{From: from, To: to, Items: []ItemStats{}}
	if c.OrgKind == accounts.OrgSchool && c.OrgID != "" {
		vs, err := s.viewStats(ctx, ViewCollection, c.OrgID, from, to)
		if err != nil {
			return Stats{}, err
		}
		out.Collection = &vs
		if out.CollectionItems, err = s.collectionItemStats(ctx, c.OrgID, from, to); err != nil {
			return Stats{}, err
		}
	}
	items, err := s.ListOwn(ctx, "")
	if err != nil {
		return Stats{}, err
	}
	for _, it := range items {
		if it.Revision == 0 {
			continue
		}
		vs, err := s.viewStats(ctx, ViewItem, it.ID, from, to)
		if err != nil {
			return Stats{}, err
		}
		out.Items = append(out.Items, ItemStats{Slug: it.Slug, Locale: it.Locale, Title: it.Title, ViewStats: vs})
	}
	return out, nil
}
