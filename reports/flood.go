package reports

import (
	"context"
	"time"

	"speaksafe/errkind"
)

// FloodLimits say when urgent reports count as a flood. Beyond PerNetwork
// urgent reports from one network, or PerForce urgent reports to one force,
// in one Window, a report is still stored, answered and listed first, but
// carries a flood group: the alert engine pages the group as one digest
// instead of one page per report. Zero fields take the defaults
// (3 per network, 12 per force, per 10 minutes; see docs/reports.md).
type FloodLimits struct {
	PerNetwork int
	PerForce   int
	Window     time.Duration
}

// Default flood thresholds; docs/reports.md explains the choice.
const (
	DefaultFloodPerNetwork = 3
	DefaultFloodPerForce   = 12
	DefaultFloodWindow     = 10 * time.Minute
)

func (f FloodLimits) withDefaults() FloodLimits {
	if f.PerNetwork <= 0 {
		f.PerNetwork = DefaultFloodPerNetwork
	}
	if f.PerForce <= 0 {
		f.PerForce = DefaultFloodPerForce
	}
	if f.Window <= 0 {
		f.Window = DefaultFloodWindow
	}
	return f
}

// Limiter buckets of intake.
const (
	bucketRoutine      = "reports-submit"
	bucketFloodNetwork = "urgent-flood-network"
	bucketFloodForce   = "urgent-flood-force"
)

// flood is the flood marking of one urgent report; empty when it is paged
// on its own. Its json names are part of the sealed answer's storage
// format.
type flood struct {
	Group string    `json:"floodGroup,omitempty"`
	Kind  FloodKind `json:"floodKind,omitempty"`
}

// floodMark counts an urgent report against its network (client, the keyed
// hash of its address; empty when unknown) and its force, and puts it in
// the window's flood group when either is over its threshold, the network
// first. It never fails: if counting fails the report is paged on its own,
// which costs pages, never a report.
func (s *Store) floodMark(ctx context.Context, client, forceID string) flood {
	f := s.cfg.Flood
	// Both counts at once: one round trip's wait on the urgent path.
	network := make(chan bool, 1)
	go func() { network <- client != "" && s.over(ctx, bucketFloodNetwork, client, f.PerNetwork, f.Window) }()
	overForce := s.over(ctx, bucketFloodForce, forceID, f.PerForce, f.Window)
	overNetwork := <-network
	var out flood
	var key, bucket string
	switch {
	case overNetwork:
		out.Kind, bucket, key = FloodNetwork, bucketFloodNetwork, client
	case overForce:
		out.Kind, bucket, key = FloodForce, bucketFloodForce, forceID
	default:
		return out
	}
	g, err := s.cfg.Limiter.Group(ctx, bucket, key, f.Window)
	if err != nil {
		s.log.WarnContext(ctx, "urgent flood group unavailable; the report is paged on its own", "error", err)
		return flood{}
	}
	out.Group = g
	return out
}

// over counts one attempt and reports whether it went beyond max. An
// urgent report is never refused, so it is claimed, not allowed: one
// write shared with the reports of the same moment.
func (s *Store) over(ctx context.Context, bucket, key string, max int, window time.Duration) bool {
	n, err := s.cfg.Limiter.Claim(ctx, bucket, key, window)
	if err != nil {
		s.log.WarnContext(ctx, "urgent flood count unavailable", "bucket", bucket, "error", err)
		return false
	}
	return n > max
}

// RoutineLimitDetail is what a child is told when a routine report from
// their connection is over the limit.
const RoutineLimitDetail = "We can't take another report from this connection just now, because a lot have been sent from it. " +
	"Please try again in a little while. If you are in danger now, call 999. " +
	"You can talk to Childline for free at any time on 0800 1111."

// limitRoutine counts a routine report of client against its allowance.
// When counting fails the report is taken: a limit is not worth a report.
func (s *Store) limitRoutine(ctx context.Context, client string) error {
	if client == "" {
		return nil
	}
	ok, retry, err := s.cfg.Limiter.Allow(ctx, bucketRoutine, client, s.cfg.RoutinePerClient, s.cfg.RoutineWindow)
	if err != nil {
		s.log.WarnContext(ctx, "routine report limit unavailable; taking the report", "error", err)
		return nil
	}
	if !ok {
		return &errkind.RateLimited{RetryAfter: retry, Detail: RoutineLimitDetail}
	}
	return nil
}
