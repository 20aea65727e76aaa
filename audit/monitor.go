package audit

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/time/rate"
)

// Status is the chain's state at the last check.
type Status struct {
	// OK is false while any problem is open.
	OK bool
	// Entries is the number of entries verified; Head the last one's hash.
	Entries int64
	Head    string
	// Checkpoint is the latest signed checkpoint.
	Checkpoint Checkpoint
	CheckedAt  time.Time
	// Problems are the open problems, oldest first.
	Problems []Problem
}

// Monitor verifies the chain continuously: each check reads only the
// entries written since the last one, has the Log record any break and
// checkpoint its head, and publishes the result as a log line, the gauges
// speaksafe_audit_chain_ok and speaksafe_audit_checkpoint_seq, and Status.
type Monitor struct {
	log    *Log
	logger *slog.Logger
	every  time.Duration

	mu   sync.Mutex // serialises checks
	w    *walker    // the chain as verified so far; nil before the first check
	link linker     // links each walked entry to its object
	live []Problem  // found by comparing checks, not by walking
	maxN int64      // highest checkpoint number seen

	smu    sync.Mutex // guards status, so that reading it never waits for a check
	status Status

	okG  prometheus.Gauge
	seqG prometheus.Gauge
}

// NewMonitor returns a monitor of l that registers its gauges with reg.
func NewMonitor(l *Log, logger *slog.Logger, reg prometheus.Registerer) *Monitor {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	m := &Monitor{log: l, logger: logger, every: time.Minute,
		okG: prometheus.NewGauge(prometheus.GaugeOpts{Name: "speaksafe_audit_chain_ok",
			Help: "1 when the audit chain verified with no open problem at the last check, else 0."}),
		seqG: prometheus.NewGauge(prometheus.GaugeOpts{Name: "speaksafe_audit_checkpoint_seq",
			Help: "Sequence number of the entry the latest signed audit checkpoint vouches for."}),
	}
	if reg != nil {
		reg.MustRegister(m.okG, m.seqG)
	}
	return m
}

// Run checks at once and then every minute until ctx ends.
func (m *Monitor) Run(ctx context.Context) {
	t := time.NewTicker(m.every)
	defer t.Stop()
	for {
		m.Check(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Status returns the result of the last check.
func (m *Monitor) Status() Status {
	m.smu.Lock()
	defer m.smu.Unlock()
	st := m.status
	st.Problems = append([]Problem{}, st.Problems...)
	return st
}

// Check verifies what was written since the last check and publishes the
// result. A check that cannot read the database changes nothing and is
// logged as a warning: an outage is not a broken chain.
func (m *Monitor) Check(ctx context.Context) Status {
	m.mu.Lock()
	defer m.mu.Unlock()
	transient, err := m.check(ctx)
	if err != nil {
		if ctx.Err() == nil {
			m.logger.WarnContext(ctx, "audit chain check failed", "error", err)
		}
		return m.Status()
	}
	problems := append(append(append([]Problem{}, m.w.problems...), m.live...), transient...)
	st := Status{OK: len(problems) == 0, Entries: m.w.seq, Head: m.w.hash, Checkpoint: m.log.latestKnown(),
		CheckedAt: m.log.now().UTC(), Problems: problems}
	m.smu.Lock()
	m.status = st
	m.smu.Unlock()
	m.publish(ctx, st)
	return st
}

// addLive adds p unless it is already open.
func (m *Monitor) addLive(p Problem) {
	if !slices.Contains(m.live, p) {
		m.live = append(m.live, p)
	}
}

// check brings m.w up to the head and returns the problems that hold only
// as long as their cause does.
func (m *Monitor) check(ctx context.Context) ([]Problem, error) {
	cp, err := m.log.Checkpoint(ctx)
	if err != nil {
		return nil, err
	}
	// The first walk of a process (the backfill of links) runs at full
	// speed; later ones at a pace (walkPace).
	paced := m.w != nil
	if m.w == nil {
		if err := m.newWalker(ctx); err != nil {
			return nil, err
		}
	}
	if m.w.seq > 0 {
		ok, err := m.log.holds(ctx, Record{Seq: m.w.seq + 1}, anchor{m.w.seq, m.w.hash})
		if err != nil {
			return nil, err
		}
		if !ok {
			m.addLive(Problem{Seq: m.w.seq, Kind: KindBreak,
				Detail: fmt.Sprintf("entry %d with head %s was verified and is now gone or changed", m.w.seq, m.w.hash)})
			if err := m.newWalker(ctx); err != nil {
				return nil, err
			}
		}
	}
	until := max(cp.Seq, m.log.headSeq())
	var pace *rate.Limiter
	if paced && m.w.seq > 0 {
		pace = walkPace(until-m.w.seq, m.every)
	}
	if err := m.w.walk(ctx, until, pace); err != nil {
		return nil, err
	}
	m.live = unacknowledged(m.live, m.w.acked)
	stored, err := m.log.latestCheckpoint(ctx, 0)
	if err != nil {
		return nil, err
	}
	if stored.N < m.maxN {
		m.addLive(Problem{Seq: cp.Seq, Kind: KindCheckpoint,
			Detail: fmt.Sprintf("checkpoint %d was removed; the latest stored is %d", m.maxN, stored.N)})
	}
	m.maxN = max(m.maxN, stored.N, cp.N)
	probe := &walker{l: m.log, seq: m.w.seq, hash: m.w.hash, keyed: m.w.keyed}
	if err := probe.checkCheckpoint(ctx, stored); err != nil {
		return nil, err
	}
	return probe.problems, nil
}

// Pacing of a check. Each entry walked costs the store a read or two, and
// at twenty urgent reports a second a minute's entries are thousands: read
// at once, they were a burst of store commands that held up every request
// for seconds each minute. A check reads at most walkBurst entries at once
// and then at a pace that ends the walk within three quarters of the
// interval between checks (at least walkMinRate a second): it keeps up,
// and its reads are spread over the minute.
const (
	walkBurst   = 10
	walkMinRate = 50
)

// walkPace returns the limiter of a walk of behind entries.
func walkPace(behind int64, every time.Duration) *rate.Limiter {
	perSecond := max(float64(walkMinRate), float64(behind)/(every*3/4).Seconds())
	return rate.NewLimiter(rate.Limit(perSecond), walkBurst)
}

// newWalker starts m's walk from the first entry. The walk links every
// entry it reads to its object (linker): the first walk of a process is
// the backfill of links, and an entry whose writer did not link it is
// linked by the next check, within a minute.
func (m *Monitor) newWalker(ctx context.Context) error {
	w, err := m.log.newWalker(ctx)
	if err != nil {
		return err
	}
	m.link = linker{l: m.log} // what it knew was pruned to the old walk
	w.visit = m.link.ensure
	m.w = w
	return nil
}

func unacknowledged(ps []Problem, through int64) []Problem {
	out := ps[:0]
	for _, p := range ps {
		if p.Seq > through {
			out = append(out, p)
		}
	}
	return out
}

// publish sets the gauges and writes the minute's log line: ERROR, with
// every open problem, while the chain is broken.
func (m *Monitor) publish(ctx context.Context, st Status) {
	m.seqG.Set(float64(st.Checkpoint.Seq))
	if st.OK {
		m.okG.Set(1)
		m.logger.InfoContext(ctx, "audit checkpoint", "checkpoint", st.Checkpoint.N, "seq", st.Checkpoint.Seq,
			"head", st.Checkpoint.Head, "entries", st.Entries)
		return
	}
	m.okG.Set(0)
	attrs := []any{"checkpoint", st.Checkpoint.N, "seq", st.Checkpoint.Seq, "head", st.Checkpoint.Head,
		"entries", st.Entries, "problems", len(st.Problems)}
	for i, p := range st.Problems[:min(len(st.Problems), 10)] {
		attrs = append(attrs, "problem"+strconv.Itoa(i+1), fmt.Sprintf("entry %d: %s: %s", p.Seq, p.Kind, p.Detail))
	}
	m.logger.ErrorContext(ctx, "audit chain broken", attrs...)
}

// headSeq returns the sequence number of the last entry the Log knows of.
func (l *Log) headSeq() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.head.Seq
}

// latestKnown returns the latest checkpoint the Log knows of.
func (l *Log) latestKnown() Checkpoint {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.cp
}

// Acknowledge records that actor, an admin, has seen the chain's problems
// up to entry through; the monitor stops counting them as open. The
// acknowledgement is itself an entry of the chain.
func (l *Log) Acknowledge(ctx context.Context, actor string, through int64) error {
	return l.Record(ctx, Entry{Actor: actor, Action: ActionAcknowledge, ObjectType: "audit_chain",
		Detail: map[string]string{"through": strconv.FormatInt(through, 10)}})
}
