package stats

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"
)

// ReferralFact is what figures may know of one referral of a case to a
// partner agency: the agency, when it was shared, when it was decided (nil
// while it is not) and whether it missed its deadline.
type ReferralFact struct {
	Agency    string
	SharedAt  time.Time
	DecidedAt *time.Time
	Overdue   bool
}

// Referrals gives the referrals shared by forces in [from, to). The
// referrals domain provides it; without one the figures leave referrals
// out.
type Referrals interface {
	ReferralFacts(ctx context.Context, forces []string, from, to time.Time) ([]ReferralFact, error)
}

// Reminders counts the reminders outstanding now in forces. The reminders
// domain provides it; without one the figures leave reminders out.
type Reminders interface {
	Outstanding(ctx context.Context, forces []string) (int, error)
}

// AgencyRow is the referrals to one agency: how many, how long a decision
// took (median and 90th percentile, from 5 decided referrals) and the share
// that went overdue (percent, from 5 referrals).
type AgencyRow struct {
	Agency             string
	Referrals          Count
	DecisionP50Seconds *int64
	DecisionP90Seconds *int64
	OverduePercent     *int
}

func (s *Service) referralRows(ctx context.Context, q Query) ([]AgencyRow, error) {
	if s.referrals == nil {
		return nil, nil
	}
	facts, err := s.referrals.ReferralFacts(ctx, q.Forces, q.From, q.To)
	if err != nil {
		return nil, fmt.Errorf("stats: referrals: %w", err)
	}
	by := map[string][]ReferralFact{}
	for _, f := range facts {
		by[f.Agency] = append(by[f.Agency], f)
	}
	out := []AgencyRow{}
	for agency, fs := range by {
		out = append(out, agencyRow(agency, fs))
	}
	slices.SortFunc(out, func(a, b AgencyRow) int { return cmp.Compare(a.Agency, b.Agency) })
	return out, nil
}

func agencyRow(agency string, fs []ReferralFact) AgencyRow {
	row := AgencyRow{Agency: agency, Referrals: Publish(len(fs))}
	var decided []time.Duration
	overdue := 0
	for _, f := range fs {
		decided = appendSince(decided, f.SharedAt, f.DecidedAt)
		if f.Overdue {
			overdue++
		}
	}
	d := summarise("", decided)
	row.DecisionP50Seconds, row.DecisionP90Seconds = d.P50Seconds, d.P90Seconds
	if shown(len(fs)) {
		pct := (overdue*100 + len(fs)/2) / len(fs)
		row.OverduePercent = &pct
	}
	return row
}
