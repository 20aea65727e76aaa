package stats

import (
	"context"
	"slices"
	"time"

	"speaksafe/alerts"
	"speaksafe/reports"
)

// Table names.
const (
	TableWeek        = "week"
	TableCategory    = "category"
	TableUrgency     = "urgency"
	TableAgeBand     = "age_band"
	TableSchool      = "school"
	TableDisposition = "disposition"
	TableAckBand     = "time_to_acknowledge"
)

// KindConcern is the kind of a case raised by a school about a pupil.
const KindConcern = "concern"

// counter counts facts into keys kept in a fixed order.
type counter struct {
	keys []string
	n    map[string]int
}

func newCounter(keys ...string) *counter { return &counter{keys: keys, n: map[string]int{}} }

func (c *counter) add(key string) {
	if _, ok := c.n[key]; !ok && !slices.Contains(c.keys, key) {
		c.keys = append(c.keys, key)
	}
	c.n[key]++
}

// table publishes the counts: every cell and the total from the true
// counts, each through Count's rule.
func (c *counter) table(name string) Table {
	t := Table{Name: name, Cells: make([]Cell, 0, len(c.keys))}
	total := 0
	for _, k := range c.keys {
		t.Cells = append(t.Cells, Cell{Key: k, Count: Publish(c.n[k]), n: c.n[k]})
		total += c.n[k]
	}
	t.Total = Publish(total)
	return t
}

func (s *Service) tables(ctx context.Context, q Query, facts []reports.Fact, pages map[string]alerts.PageTimes) []Table {
	week := newCounter(weeks(q.From, q.To)...)
	category := newCounter(names(reports.Categories())...)
	urgency := newCounter("urgent", "routine")
	age := newCounter("8-10", "11-13", "14-17", "under_8", "18_or_over", "not_given")
	disposition := newCounter(append(names(reports.Dispositions()), "open")...)
	school := newCounter()
	ack := newCounter(ackBandKeys...)
	for _, f := range facts {
		week.add(weekOf(f.CreatedAt))
		category.add(string(f.Category))
		urgency.add(map[bool]string{true: "urgent", false: "routine"}[f.Urgent])
		age.add(orDefault(string(f.AgeBand), "not_given"))
		disposition.add(orDefault(f.Disposition, "open"))
		if f.Kind == KindConcern && f.SchoolID != "" {
			school.add(f.SchoolID)
		}
		if d, ok := ackDelay(f, pages); ok {
			ack.add(ackBand(d))
		}
	}
	out := []Table{week.table(TableWeek), category.table(TableCategory), urgency.table(TableUrgency),
		age.table(TableAgeBand), disposition.table(TableDisposition), ack.table(TableAckBand)}
	if len(school.keys) > 0 {
		out = append(out, s.schoolTable(ctx, school))
	}
	return out
}

// schoolTable labels the concerns' schools with their names.
func (s *Service) schoolTable(ctx context.Context, c *counter) Table {
	slices.Sort(c.keys)
	t := c.table(TableSchool)
	for i := range t.Cells {
		if o, err := s.orgs.GetOrganisation(ctx, t.Cells[i].Key); err == nil {
			t.Cells[i].Label = o.Name
		}
	}
	return t
}

// ackBandKeys are the bands of time to acknowledge, fastest first.
var ackBandKeys = []string{"under_5m", "5m_to_15m", "15m_to_1h", "1h_to_4h", "over_4h"}

func ackBand(d time.Duration) string {
	switch {
	case d < 5*time.Minute:
		return ackBandKeys[0]
	case d < 15*time.Minute:
		return ackBandKeys[1]
	case d < time.Hour:
		return ackBandKeys[2]
	case d < 4*time.Hour:
		return ackBandKeys[3]
	}
	return ackBandKeys[4]
}

// weeks lists the Mondays (UTC, as dates) of the weeks [from, to) touches.
func weeks(from, to time.Time) []string {
	var out []string
	for w := monday(from); w.Before(to); w = w.AddDate(0, 0, 7) {
		out = append(out, w.Format(time.DateOnly))
	}
	return out
}

func weekOf(t time.Time) string { return monday(t).Format(time.DateOnly) }

func monday(t time.Time) time.Time {
	t = t.UTC()
	d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	return d.AddDate(0, 0, -((int(d.Weekday()) + 6) % 7))
}

func names[T ~string](xs []T) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = string(x)
	}
	return out
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}
