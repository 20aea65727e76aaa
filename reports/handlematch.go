package reports

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"

	"speaksafe/accounts"
	"speaksafe/errkind"
)

// HandleMatches are the cases naming a handle (or one of a case's
// handles): those of the caller's force, newest first, and of other forces
// only how many and which forces, so that officers know whom to call.
type HandleMatches struct {
	InForce         []CaseSummary
	OtherForceCases int
	OtherForces     []string
	// Patterns are the kinds of pattern signal raised in the caller's
	// force for these handles (PatternRepeat, PatternCrossForce).
	Patterns []string
}

// Search limits of CasesByHandle.
const (
	DefaultHandleSearchLimit = 25
	MaxHandleSearchLimit     = 100
)

// RelatedCases returns the other cases naming any handle that case id
// names, for an officer or supervisor of the case's force.
func (s *Store) RelatedCases(ctx context.Context, id string) (HandleMatches, error) {
	caller, d, err := s.caseFor(ctx, id)
	if err != nil {
		return HandleMatches{}, err
	}
	hashes, err := s.caseHashes(d)
	if err != nil {
		return HandleMatches{}, err
	}
	return s.matches(ctx, caller, hashes, d.ID, MaxHandleSearchLimit)
}

// CasesByHandle returns the cases naming handle on platform (both
// normalised as for matching), for an officer or supervisor of a force.
func (s *Store) CasesByHandle(ctx context.Context, platform, handle string, limit int) (HandleMatches, error) {
	v := &errkind.ValidationError{}
	checkText(v, "handle", handle, MaxHandle, true)
	checkText(v, "platform", platform, MaxPlatform, false)
	v.Check(NormalizeHandle(handle) == "", "handle", "must name a handle")
	v.Check(limit < 0 || limit > MaxHandleSearchLimit, "limit", "must be between 1 and 100")
	if err := v.Err(); err != nil {
		return HandleMatches{}, err
	}
	if limit == 0 {
		limit = DefaultHandleSearchLimit
	}
	caller, err := handlerFrom(ctx)
	if err != nil {
		return HandleMatches{}, err
	}
	return s.matches(ctx, caller, []string{s.handleKeys.hash(platform, handle)}, "", limit)
}

// matches gathers the cases naming any of hashes, but case exclude.
func (s *Store) matches(ctx context.Context, caller accounts.Caller, hashes []string, exclude string, limit int) (HandleMatches, error) {
	out := HandleMatches{InForce: []CaseSummary{}, OtherForces: []string{}, Patterns: []string{}}
	seen := map[string]bool{exclude: true}
	for _, h := range hashes {
		entries, err := s.handleChain(ctx, h)
		if err != nil {
			return out, err
		}
		for _, e := range entries {
			if seen[e.CaseID] {
				continue
			}
			seen[e.CaseID] = true
			if e.ForceID != caller.ForceID {
				out.OtherForceCases++
				if !slices.Contains(out.OtherForces, e.ForceID) {
					out.OtherForces = append(out.OtherForces, e.ForceID)
				}
				continue
			}
			if len(out.InForce) >= limit {
				continue
			}
			rc, ok, err := s.relatedCase(ctx, e.CaseID)
			if err != nil {
				return out, err
			}
			if ok {
				out.InForce = append(out.InForce, rc)
			}
		}
		kinds, err := s.signalKinds(ctx, caller.ForceID, h)
		if err != nil {
			return out, err
		}
		for _, k := range kinds {
			if !slices.Contains(out.Patterns, k) {
				out.Patterns = append(out.Patterns, k)
			}
		}
	}
	sort.Slice(out.InForce, func(i, j int) bool { return out.InForce[i].CreatedAt.After(out.InForce[j].CreatedAt) })
	sort.Strings(out.OtherForces)
	return out, nil
}

// relatedCase reads what a match shows of case id; false when the case
// is not stored (an entry written before a case that never was).
func (s *Store) relatedCase(ctx context.Context, id string) (CaseSummary, bool, error) {
	d, err := s.loadCase(ctx, id)
	if errors.Is(err, errkind.NotFound) {
		return CaseSummary{}, false, nil
	}
	if err != nil {
		return CaseSummary{}, false, fmt.Errorf("reports: related case: %w", err)
	}
	return summary(d), true, nil
}
