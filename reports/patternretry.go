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
	var left []string
	var err error
	for _, c := range claims {
		if cerr := s.patternCheck(first, d, c.hash, c.chain); cerr != nil {
			left, err = append(left, c.hash), cerr
		}
	}
	cancel()
	if len(left) == 0 {
		return
	}
	s.log.WarnContext(ctx, "pattern signal check failed: retrying", "case_id", d.ID, "handles", len(left), "error", err)
	s.background.Add(1)
	go s.retryPatterns(context.WithoutCancel(ctx), d, left)
}

// checkHashes checks d against each of hashes, reading their chains, and
// returns those whose check failed, with the last error.
func (s *Store) checkHashes(ctx context.Context, d *caseDoc, hashes []string) ([]string, error) {
	var left []string
	var last error
	for _, h := range hashes {
		if err := s.patternCheck(ctx, d, h, nil); err != nil {
			left, last = append(left, h), err
		}
	}
	return left, last
}

// retryPatterns checks hashes again, up to patternRetries times, waiting
// longer before each.
func (s *Store) retryPatterns(ctx context.Context, d *caseDoc, hashes []string) {
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
		hashes, err = s.checkHashes(attempt, d, hashes)
		cancel()
		if len(hashes) == 0 {
			s.log.InfoContext(ctx, "pattern signal checked after a retry", "case_id", d.ID)
			return
		}
	}
	s.log.ErrorContext(ctx, "pattern signal not checked", "case_id", d.ID, "handles", len(hashes), "error", err)
}
