package reminders

import (
	"context"
	"fmt"
	"sort"
	"time"

	"speaksafe/accounts"
)

// forceReminders computes every reminder of force forceID at now, and the
// force's settings.
func (s *Service) forceReminders(ctx context.Context, forceID string, now time.Time) ([]Reminder, Settings, error) {
	set, err := s.forceSettings(ctx, forceID)
	if err != nil {
		return nil, set, err
	}
	window := defaultUrgentWindow
	if s.d.Policies != nil {
		w, ok, err := s.d.Policies.UrgentWindow(ctx, forceID)
		if err != nil {
			return nil, set, fmt.Errorf("reminders: escalation window of %s: %w", forceID, err)
		}
		if ok && w > 0 {
			window = w
		}
	}
	cases, err := s.d.Cases.OpenCases(ctx, forceID)
	if err != nil {
		return nil, set, fmt.Errorf("reminders: %w", err)
	}
	var out []Reminder
	for _, c := range cases {
		out = append(out, due(c, set, window, now)...)
	}
	overdue, err := s.overdueReferrals(ctx, forceID)
	if err != nil {
		return nil, set, err
	}
	open := map[string]int{}
	for i, c := range cases {
		open[c.ID] = i
	}
	for _, r := range overdue {
		i, ok := open[r.CaseID]
		if !ok || now.Before(r.DueAt) {
			continue
		}
		c := cases[i]
		out = append(out, Reminder{ID: string(KindReferralOverdue) + "-" + r.ReferralID, Kind: KindReferralOverdue,
			CaseID: c.ID, Reference: c.Reference, Urgent: c.Urgent, AssignedTo: c.AssignedTo, DueAt: r.DueAt, ReferralID: r.ReferralID})
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].DueAt.Equal(out[j].DueAt) {
			return out[i].DueAt.Before(out[j].DueAt)
		}
		return out[i].ID < out[j].ID
	})
	return out, set, nil
}

// overdueReferrals asks the referrals domain, when one is plugged in.
func (s *Service) overdueReferrals(ctx context.Context, forceID string) ([]OverdueReferral, error) {
	if s.d.Referrals == nil {
		return nil, nil
	}
	out, err := s.d.Referrals.OverdueReferrals(ctx, forceID)
	if err != nil {
		return nil, fmt.Errorf("reminders: overdue referrals of %s: %w", forceID, err)
	}
	return out, nil
}

// List returns the reminders of the caller's force, oldest first: all of
// them to a supervisor; to an officer those of cases assigned to them or
// to nobody.
func (s *Service) List(ctx context.Context) ([]Reminder, error) {
	c, err := forceStaff(ctx)
	if err != nil {
		return nil, err
	}
	all, _, err := s.forceReminders(ctx, c.ForceID, s.d.Now())
	if err != nil {
		return nil, err
	}
	out := []Reminder{}
	for _, r := range all {
		if c.Role == accounts.RoleSupervisor || r.AssignedTo == "" || r.AssignedTo == c.UserID {
			out = append(out, r)
		}
	}
	return out, nil
}
