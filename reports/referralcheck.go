package reports

import (
	"context"
	"fmt"

	"speaksafe/errkind"
)

// Referrals says whether a case was referred to a partner agency
// (implemented by referrals.Service). Closing a case as a safeguarding
// referral or as referred to another agency needs one.
type Referrals interface {
	// Referred reports whether case caseID of force forceID has at least
	// one referral.
	Referred(ctx context.Context, forceID, caseID string) (bool, error)
}

type referralsBox struct{ r Referrals }

// UseReferrals sets what answers whether a case was referred. Call it
// during wiring, before serving; until then such closures are refused.
func (s *Store) UseReferrals(r Referrals) { s.referrals.Store(&referralsBox{r}) }

// needsReferral refuses to close d with a disposition that says it was
// referred when no referral of it exists.
func (s *Store) needsReferral(ctx context.Context, d *caseDoc, c StatusChange) error {
	if c.Status != StatusClosed || d.Status == StatusClosed ||
		(c.Disposition != DispositionSafeguardingReferral && c.Disposition != DispositionReferredToAgency) {
		return nil
	}
	ok := false
	if b := s.referrals.Load(); b != nil && b.r != nil {
		var err error
		if ok, err = b.r.Referred(ctx, d.ForceID, d.ID); err != nil {
			return fmt.Errorf("reports: referrals of case %s: %w", d.ID, err)
		}
	}
	if !ok {
		return errkind.Invalid("disposition", "closing as "+string(c.Disposition)+" needs a referral of this case to an agency first")
	}
	return nil
}
