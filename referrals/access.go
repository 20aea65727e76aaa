package referrals

import (
	"context"
	"fmt"

	"speaksafe/accounts"
	"speaksafe/errkind"
)

// isPartner reports whether c works in an agency and may handle its
// referrals.
func isPartner(c accounts.Caller) bool {
	return c.OrgKind == accounts.OrgAgency && c.OrgID != "" && c.Role.Has(accounts.RightReceiveReferrals) &&
		(c.Role == accounts.RolePartnerPractitioner || c.Role == accounts.RolePartnerLead)
}

// isForce reports whether c handles the cases of a force.
func isForce(c accounts.Caller) bool {
	return c.OrgKind == accounts.OrgForce && c.ForceID != "" &&
		(c.Role == accounts.RoleOfficer || c.Role == accounts.RoleSupervisor)
}

// callerFrom returns the signed-in caller, NotFound without one.
func callerFrom(ctx context.Context) (accounts.Caller, error) {
	c, ok := accounts.CallerFrom(ctx)
	if !ok {
		return accounts.Caller{}, fmt.Errorf("referrals: no caller: %w", errkind.NotFound)
	}
	return c, nil
}

// forAgency reads referral id for a partner of its agency; anyone else,
// and a referral of another agency, get NotFound.
func (s *Service) forAgency(ctx context.Context, id string) (accounts.Caller, *refDoc, error) {
	c, err := callerFrom(ctx)
	if err != nil || !isPartner(c) {
		return c, nil, fmt.Errorf("referrals: referral %s: %w", id, errkind.NotFound)
	}
	d, err := s.load(ctx, id)
	if err != nil {
		return c, nil, err
	}
	if d.AgencyID != c.OrgID {
		return c, nil, fmt.Errorf("referrals: referral %s: %w", id, errkind.NotFound)
	}
	return c, d, nil
}

// forForce reads referral id for an officer or supervisor of the force
// that made it; anyone else gets NotFound.
func (s *Service) forForce(ctx context.Context, id string) (accounts.Caller, *refDoc, error) {
	c, err := callerFrom(ctx)
	if err != nil || !isForce(c) {
		return c, nil, fmt.Errorf("referrals: referral %s: %w", id, errkind.NotFound)
	}
	d, err := s.load(ctx, id)
	if err != nil {
		return c, nil, err
	}
	if d.ForceID != c.ForceID {
		return c, nil, fmt.Errorf("referrals: referral %s: %w", id, errkind.NotFound)
	}
	return c, d, nil
}

// forEither reads referral id for its agency or its force.
func (s *Service) forEither(ctx context.Context, id string) (accounts.Caller, *refDoc, error) {
	c, _ := accounts.CallerFrom(ctx)
	if isForce(c) {
		return s.forForce(ctx, id)
	}
	return s.forAgency(ctx, id)
}
