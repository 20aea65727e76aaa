package reports

import (
	"context"
	"time"
)

// Retries of a pattern check whose first attempt failed: how many, the
// wait before the first (doubled before each next) and each one's budget.
const (
	patternRetries     = 5
	patternRetryWait   = 2 * time.Second
	patternRetryBudget = 10 * time.Second
)

// checkPatterns raises the signals newly stored case d crosses with the
// handle hashes it claimed, on a budget of its own, counting the chains
// read while claiming (no read of its own). The report is stored already,
// so a failure does not fail it: the hashes whose check failed are checked
// again in the background (retryPatterns), each retry on a fresh budget
// and a fresh read of its chain. Only a process that stops during the
// retries, or a store down for all of them (logged ERROR "pattern signal
// not checked"), loses a check; the next report naming the handle then
// raises the signal, as the thresholds count every report stored.
func (s *Store) checkPatterns(ctx context.Context, d *caseDoc, claims []handleClaim) {
	if len(claims) == 0 {
		return
	}
	first, cancel := context.WithTimeout(context.WithoutCancel(ctx), patternBudget)
	left, err := s.checkClaims(first, d, claims)
	cancel()
	if len(left) == 0 {
		return
	}
	s.log.WarnContext(ctx, "pattern signal check failed: retrying", "case_id", d.ID, "handles", len(left), "error", err)
	s.background.Add(1)
	go s.retryPatterns(context.WithoutCancel(ctx), d, left)
}

// checkClaims checks d against each claimed hash, counting its chain (read
// now when the claim has none), and returns the hashes whose check failed,
// without their chains, with the last error.
func (s *Store) checkClaims(ctx context.Context, d *caseDoc, claims []handleClaim) ([]handleClaim, error) {
	var left []handleClaim
	var last error
	for _, c := range claims {
		if err := s.patternCheck(ctx, d, c.hash, c.chain); err != nil {
			left, last = append(left, handleClaim{hash: c.hash}), err
		}
	}
	return left, last
}

// retryPatterns checks the claims again (their chains read afresh), up to
// patternRetries times, waiting longer before each.
func (s *Store) retryPatterns(ctx context.Context, d *caseDoc, left []handleClaim) {
	defer s.background.Done()
	wait := s.patternWait
	var err error
	for range patternRetries {
		if wait > 0 {
			t := time.NewTimer(wait)
			<-t.C
		}
		wait *= 2
		attempt, cancel := context.WithTimeout(ctx, patternRetryBudget)
		left, err = s.checkClaims(attempt, d, left)
		cancel()
		if len(left) == 0 {
			s.log.InfoContext(ctx, "pattern signal checked after a retry", "case_id", d.ID)
			return
		}
	}
	s.log.ErrorContext(ctx, "pattern signal not checked", "case_id", d.ID, "handles", len(left), "error", err)
}
