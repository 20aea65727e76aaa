package stats

import (
	"math"
	"slices"
	"time"

	"speaksafe/alerts"
	"speaksafe/reports"
)

// Duration names.
const (
	DurationPage        = "time_to_page"
	DurationAcknowledge = "time_to_acknowledge"
	DurationFirstRead   = "time_to_first_read"
	DurationFirstReply  = "time_to_first_reply"
	DurationClose       = "time_to_close"
)

// Durations summarise how long one step took, from the case's creation:
// the median and the 90th percentile in seconds, over N cases. With fewer
// than 5 cases the percentiles are left out (one case's time could be
// told apart).
type Durations struct {
	Name       string
	N          Count
	P50Seconds *int64
	P90Seconds *int64
}

func durations(facts []reports.Fact, pages map[string]alerts.PageTimes) []Durations {
	var page, ack, read, reply, closed []time.Duration
	for _, f := range facts {
		if p, ok := pages[f.ID]; ok && p.FirstPageAt != nil {
			page = append(page, p.FirstPageAt.Sub(f.CreatedAt))
		}
		if d, ok := ackDelay(f, pages); ok {
			ack = append(ack, d)
		}
		read = appendSince(read, f.CreatedAt, f.FirstReadAt)
		reply = appendSince(reply, f.CreatedAt, f.FirstReplyAt)
		closed = appendSince(closed, f.CreatedAt, f.ClosedAt)
	}
	return []Durations{summarise(DurationPage, page), summarise(DurationAcknowledge, ack),
		summarise(DurationFirstRead, read), summarise(DurationFirstReply, reply), summarise(DurationClose, closed)}
}

// ackDelay is how long a case waited for acknowledgement: its alert's
// acknowledgement when it had one, else the case's own.
func ackDelay(f reports.Fact, pages map[string]alerts.PageTimes) (time.Duration, bool) {
	if p, ok := pages[f.ID]; ok && p.AckAt != nil {
		return max(p.AckAt.Sub(f.CreatedAt), 0), true
	}
	if f.AckAt != nil {
		return max(f.AckAt.Sub(f.CreatedAt), 0), true
	}
	return 0, false
}

func appendSince(ds []time.Duration, from time.Time, at *time.Time) []time.Duration {
	if at == nil {
		return ds
	}
	return append(ds, max(at.Sub(from), 0))
}

func summarise(name string, ds []time.Duration) Durations {
	out := Durations{Name: name, N: Publish(len(ds))}
	if !shown(len(ds)) {
		return out
	}
	slices.Sort(ds)
	p50, p90 := seconds(percentile(ds, 0.5)), seconds(percentile(ds, 0.9))
	out.P50Seconds, out.P90Seconds = &p50, &p90
	return out
}

// percentile is the nearest-rank percentile p of sorted ds.
func percentile(ds []time.Duration, p float64) time.Duration {
	i := int(math.Ceil(p*float64(len(ds)))) - 1
	return ds[min(max(i, 0), len(ds)-1)]
}

func seconds(d time.Duration) int64 { return int64(d.Round(time.Second) / time.Second) }
