package reminders

import (
	"context"
	"testing"
	"time"

	"speaksafe/accounts"
	"speaksafe/dbtest"
	"speaksafe/reports"
)

type fakeCases []reports.CaseTimes

func (f fakeCases) OpenCases(_ context.Context, forceID string) ([]reports.CaseTimes, error) {
	var out []reports.CaseTimes
	for _, c := range f {
		if c.ForceID == forceID {
			out = append(out, c)
		}
	}
	return out, nil
}

func (f fakeCases) OpenForces(context.Context) ([]string, error) { return []string{"force-a"}, nil }

type fakeReferrals []OverdueReferral

func (f fakeReferrals) OverdueReferrals(context.Context, string) ([]OverdueReferral, error) {
	return f, nil
}

func officerOf(force, user string) context.Context {
	return accounts.WithCaller(context.Background(), accounts.Caller{UserID: user, Role: accounts.RoleOfficer,
		OrgID: force, OrgKind: accounts.OrgForce, ForceID: force})
}

// An overdue referral of an open case is a reminder once plugged in, and
// none without referrals; an urgent case not opened follows the force's
// escalation window, and officers see only their own and unassigned cases.
func TestReferralsAndUrgentWindowAndWhoSeesWhat(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	read := now.Add(-time.Hour)
	cases := fakeCases{
		{ID: "c1", Reference: "SS-1", ForceID: "force-a", Urgent: true, CreatedAt: now.Add(-20 * time.Minute), UpdatedAt: now.Add(-20 * time.Minute)},
		{ID: "c2", Reference: "SS-2", ForceID: "force-a", AssignedTo: "other", CreatedAt: now.Add(-5 * time.Hour), UpdatedAt: now.Add(-time.Hour), FirstReadAt: &read},
	}
	s := New(Deps{DB: dbtest.New(t), Cases: cases, Now: func() time.Time { return now }})
	got, err := s.List(officerOf("force-a", "me"))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Kind != KindNotOpened || got[0].CaseID != "c1" {
		t.Fatalf("without referrals: got %+v, want the urgent case not opened within 15 minutes", got)
	}
	s.UseReferrals(fakeReferrals{{CaseID: "c2", ReferralID: "r1", DueAt: now.Add(-time.Minute)},
		{CaseID: "gone", ReferralID: "r2", DueAt: now.Add(-time.Hour)}, {CaseID: "c1", ReferralID: "r3", DueAt: now.Add(time.Hour)}})
	got, _ = s.List(officerOf("force-a", "other"))
	if len(got) != 2 || got[1].Kind != KindReferralOverdue || got[1].ReferralID != "r1" {
		t.Fatalf("with referrals, for the assignee: got %+v, want not_opened of c1 then r1 overdue", got)
	}
	got, _ = s.List(officerOf("force-a", "me"))
	if len(got) != 1 {
		t.Errorf("an officer sees another's assigned case's reminder: %+v", got)
	}
	if _, err := s.List(officerOf("force-b", "me")); err != nil {
		t.Errorf("another force: %v", err)
	}
}
