package server

import (
	"context"
	"time"

	"speaksafe/referrals"
	"speaksafe/reminders"
	"speaksafe/reports"
	"speaksafe/stats"
)

// linkReferrals lets reminders list overdue referrals, the figures count
// referrals by agency and a school's concern reach the MASH when the
// school asks. It runs after the referrals, reminders and
// oversight sections.
func (a *App) linkReferrals() {
	a.w.Reminders.UseReferrals(referralReminders{a.w.Referrals})
	a.w.Stats.UseReferrals(referralFacts{a})
	a.w.Reports.UseConcernReferrer(concernReferrer{a})
}

// referralReminders gives reminders a force's overdue referrals.
type referralReminders struct{ s *referrals.Service }

func (r referralReminders) OverdueReferrals(ctx context.Context, forceID string) ([]reminders.OverdueReferral, error) {
	items, err := r.s.OverdueForForce(ctx, forceID)
	if err != nil {
		return nil, err
	}
	out := make([]reminders.OverdueReferral, len(items))
	for i, x := range items {
		out[i] = reminders.OverdueReferral{CaseID: x.CaseID, ReferralID: x.ID, DueAt: x.DueAt}
	}
	return out, nil
}

// referralFacts gives the figures the referrals of forces, each agency
// named as its force's staff see it.
type referralFacts struct{ a *App }

func (r referralFacts) ReferralFacts(ctx context.Context, forces []string, from, to time.Time) ([]stats.ReferralFact, error) {
	facts, err := r.a.w.Referrals.Facts(ctx, forces, from, to)
	if err != nil {
		return nil, err
	}
	names := map[string]string{}
	out := make([]stats.ReferralFact, len(facts))
	for i, f := range facts {
		name, ok := names[f.AgencyID]
		if !ok {
			name = f.AgencyID
			if o, err := r.a.w.Accounts.GetOrganisation(ctx, f.AgencyID); err == nil {
				name = o.Name
			}
			names[f.AgencyID] = name
		}
		out[i] = stats.ReferralFact{Agency: name, SharedAt: f.SharedAt, DecidedAt: f.DecidedAt, Overdue: f.Overdue}
	}
	return out, nil
}

// concernReferrer refers a school's concern to the area's MASH when the
// school asked for it, and tells the school how far that has got.
type concernReferrer struct{ a *App }

func (c concernReferrer) ReferConcern(ctx context.Context, r reports.ConcernReferral) error {
	d, err := c.a.w.Reports.ConcernForReferral(ctx, r.CaseID)
	if err != nil {
		return err
	}
	facts, err := shareFacts(d, r.ForceID)
	if err != nil {
		return err
	}
	_, err = c.a.w.Referrals.FromConcern(ctx, referrals.ConcernRequest{CaseID: r.CaseID, Reference: r.Reference,
		ForceID: r.ForceID, Urgent: r.Urgent, Facts: facts})
	return err
}

func (c concernReferrer) ConcernProgress(ctx context.Context, caseID string) (reports.ReferralProgress, error) {
	p, err := c.a.w.Referrals.ConcernProgressOf(ctx, caseID)
	if err != nil {
		return reports.ReferralProgress{}, err
	}
	return reports.ReferralProgress{ReferredAt: p.ReferredAt, DecidedAt: p.DecidedAt, Decision: string(p.Decision)}, nil
}
