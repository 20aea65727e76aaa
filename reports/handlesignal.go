package reports

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"speaksafe/accounts"
	"speaksafe/database"
	"speaksafe/errkind"
)

// collSignals holds the pattern signals raised to forces' supervisors,
// _id "<kind>:<forceID>:<kid>:<hash>": inserting it claims the signal, so
// it is raised once per force, handle and kind, whichever instance stores
// the report that crosses the threshold.
const collSignals = "handle_signals"

// Kinds of pattern signal.
const (
	// PatternRepeat: a handle named in PatternLimits.Reports reports of one
	// force within PatternLimits.Window.
	PatternRepeat = "repeat"
	// PatternCrossForce: a handle named in reports of PatternLimits.Forces
	// forces or more.
	PatternCrossForce = "cross_force"
)

// Defaults of PatternLimits.
const (
	DefaultPatternReports = 3
	DefaultPatternWindow  = 30 * 24 * time.Hour
	DefaultPatternForces  = 2
)

// PatternLimits set when a handle named again raises a signal.
type PatternLimits struct {
	// Reports in one force within Window (HANDLE_PATTERN_REPORTS,
	// HANDLE_PATTERN_WINDOW).
	Reports int
	Window  time.Duration
	// Forces naming the handle, at any time (HANDLE_PATTERN_FORCES).
	Forces int
}

func (p PatternLimits) withDefaults() PatternLimits {
	if p.Reports <= 0 {
		p.Reports = DefaultPatternReports
	}
	if p.Window <= 0 {
		p.Window = DefaultPatternWindow
	}
	if p.Forces <= 0 {
		p.Forces = DefaultPatternForces
	}
	return p
}

type signalDoc struct {
	ID      string    `bson:"_id"`
	ForceID string    `bson:"forceId"`
	Kind    string    `bson:"kind"`
	At      time.Time `bson:"at"`
	Reports int       `bson:"reports"`
	Forces  int       `bson:"forces"`
	CaseIDs []string  `bson:"caseIds"`
}

func (s *Store) signalID(kind, forceID, hash string) string {
	return kind + ":" + forceID + ":" + s.handleKeys.kid + ":" + hash
}

// checkPattern raises the signals case d crosses with hash, counting
// chain (the entries up to d's slot, claimSlot) or, when nil, the chain as
// stored now.
func (s *Store) checkPattern(ctx context.Context, d *caseDoc, hash string, chain []handleDoc) error {
	entries := chain
	if entries == nil {
		var err error
		if entries, err = s.handleChain(ctx, hash); err != nil {
			return err
		}
	}
	since := d.CreatedAt.Add(-s.cfg.Patterns.Window)
	byForce := map[string][]string{}
	var recent []string
	for _, e := range entries {
		if !slices.Contains(byForce[e.ForceID], e.CaseID) {
			byForce[e.ForceID] = append(byForce[e.ForceID], e.CaseID)
		}
		if e.ForceID == d.ForceID && !e.CreatedAt.Before(since) && !slices.Contains(recent, e.CaseID) {
			recent = append(recent, e.CaseID)
		}
	}
	if len(recent) >= s.cfg.Patterns.Reports {
		if err := s.raise(ctx, PatternRepeat, d.ForceID, hash, recent, len(byForce)); err != nil {
			return err
		}
	}
	if len(byForce) >= s.cfg.Patterns.Forces {
		for force, ids := range byForce {
			if err := s.raise(ctx, PatternCrossForce, force, hash, ids, len(byForce)); err != nil {
				return err
			}
		}
	}
	return nil
}

// raise claims the signal of kind for force and hash; one raised before
// is left as it is.
func (s *Store) raise(ctx context.Context, kind, forceID, hash string, caseIDs []string, forces int) error {
	doc := signalDoc{ID: s.signalID(kind, forceID, hash), ForceID: forceID, Kind: kind,
		At: s.now().UTC().Truncate(time.Millisecond), Reports: len(caseIDs), Forces: forces, CaseIDs: caseIDs}
	_, err := s.coll(collSignals).InsertOne(ctx, doc)
	if database.IsDuplicateKey(err) {
		return nil
	}
	if err != nil {
		return dbErr("raise pattern signal", err)
	}
	s.log.InfoContext(ctx, "pattern signal raised", "force_id", forceID, "kind", kind, "reports", len(caseIDs))
	return nil
}

// signalKinds returns the kinds of signal raised in force forceID for
// hash: one look-up by _id per kind.
func (s *Store) signalKinds(ctx context.Context, forceID, hash string) ([]string, error) {
	var out []string
	for _, kind := range []string{PatternRepeat, PatternCrossForce} {
		ok, err := database.Exists(ctx, s.coll(collSignals), s.signalID(kind, forceID, hash))
		if err != nil {
			return nil, dbErr("read pattern signal", err)
		}
		if ok {
			out = append(out, kind)
		}
	}
	return out, nil
}

// PatternSignal is a signal as the force's supervisors see it: which
// cases of their force name a handle that crossed a threshold; never the
// handle itself (it is in the cases).
type PatternSignal struct {
	ID      string
	Kind    string
	At      time.Time
	Reports int
	Forces  int
	Cases   []CaseSummary
}

// MaxPatternSignals bounds the signals listed.
const MaxPatternSignals = 100

// PatternSignals returns the newest signals of the caller's force, for a
// supervisor of a force (anyone else: NotFound).
func (s *Store) PatternSignals(ctx context.Context) ([]PatternSignal, error) {
	caller, err := handlerFrom(ctx)
	if err != nil {
		return nil, err
	}
	if caller.Role != accounts.RoleSupervisor {
		return nil, fmt.Errorf("reports: pattern signals: %w", errkind.NotFound)
	}
	cur, err := s.coll(collSignals).Find(ctx, bson.D{{Key: "forceId", Value: caller.ForceID}},
		options.Find().SetSort(bson.D{{Key: "at", Value: -1}, {Key: "_id", Value: 1}}).SetLimit(MaxPatternSignals))
	if err != nil {
		return nil, dbErr("list pattern signals", err)
	}
	var docs []signalDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, dbErr("list pattern signals", err)
	}
	out := make([]PatternSignal, 0, len(docs))
	for _, d := range docs {
		sum := sha256.Sum256([]byte(d.ID))
		sig := PatternSignal{ID: hex.EncodeToString(sum[:12]), Kind: d.Kind, At: d.At, Reports: d.Reports, Forces: d.Forces, Cases: []CaseSummary{}}
		for _, id := range d.CaseIDs {
			rc, ok, err := s.relatedCase(ctx, id)
			if err != nil {
				return nil, err
			}
			if ok {
				sig.Cases = append(sig.Cases, rc)
			}
		}
		if len(sig.Cases) > 0 { // all deleted by the retention schedule: nothing to look at
			out = append(out, sig)
		}
	}
	return out, nil
}
