package reports

import (
	"context"
	"fmt"
	"time"

	"speaksafe/errkind"
)

// ConcernReferral is a concern that its school asked to refer to the
// area's MASH, as the referrals domain receives it. It carries ids only;
// the referrals domain decides what of the case it shares, and with whom.
type ConcernReferral struct {
	CaseID, Reference, ForceID, SchoolID string
	// RaisedBy is the member of school staff who raised the concern.
	RaisedBy string
	Urgent   bool
	At       time.Time
}

// ReferralProgress is how far the MASH referral of a concern has got, as
// the school may see it: when it was made and when (and what) the agency
// decided. The zero value means no referral yet.
type ReferralProgress struct {
	ReferredAt *time.Time
	DecidedAt  *time.Time
	// Decision is the agency's recorded next step, e.g. "early_help".
	Decision string
}

// ConcernReferrer is the referrals side of a school concern (implemented by
// the referrals domain and set with UseConcernReferrer). Without one,
// concerns are still stored with their referToMash flag, and their status
// never reaches "referred".
type ConcernReferrer interface {
	// ReferConcern is called after concern r.CaseID is stored with
	// referToMash set, and again on every retry of its submission: it must
	// be idempotent per case. An error is logged and does not undo the
	// concern; the referrals domain may find concerns still to refer by
	// the flag (case kind "concern", concern.referToMash true).
	ReferConcern(ctx context.Context, r ConcernReferral) error
	// ConcernProgress reports the referral of case caseID; the zero value
	// when there is none.
	ConcernProgress(ctx context.Context, caseID string) (ReferralProgress, error)
}

type referrerBox struct{ r ConcernReferrer }

// UseConcernReferrer sets the referrals domain that receives concerns
// referred to the MASH. Call it during wiring; nil leaves none.
func (s *Store) UseConcernReferrer(r ConcernReferrer) { s.referrer.Store(&referrerBox{r}) }

func (s *Store) concernReferrer() ConcernReferrer {
	if b := s.referrer.Load(); b != nil {
		return b.r
	}
	return nil
}

// referConcern passes r on to the referrals domain, if one is wired.
func (s *Store) referConcern(ctx context.Context, r ConcernReferral) {
	ref := s.concernReferrer()
	if ref == nil {
		return
	}
	if err := ref.ReferConcern(ctx, r); err != nil {
		s.log.ErrorContext(ctx, "concern: MASH referral not passed on", "case_id", r.CaseID, "error", err)
	}
}

// referralProgress asks the referrals domain how far case caseID's
// referral has got; the zero value without one.
func (s *Store) referralProgress(ctx context.Context, caseID string) (ReferralProgress, error) {
	ref := s.concernReferrer()
	if ref == nil {
		return ReferralProgress{}, nil
	}
	return ref.ConcernProgress(ctx, caseID)
}

// ConcernForReferral returns case id, a concern its school asked to refer
// to the MASH, for the referrals domain to share on the school's request.
// Unlike Case it marks nothing read: no officer has opened the case. The
// share itself is audited by the referrals domain.
func (s *Store) ConcernForReferral(ctx context.Context, id string) (CaseDetail, error) {
	d, err := s.loadCase(ctx, id)
	if err != nil {
		return CaseDetail{}, err
	}
	if d.Kind != KindConcern {
		return CaseDetail{}, fmt.Errorf("reports: case %s is not a concern: %w", id, errkind.NotFound)
	}
	return s.detail(ctx, d)
}
