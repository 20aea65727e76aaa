package stats

import (
	"context"
	"testing"
	"time"

	"speaksafe/accounts"
	"speaksafe/alerts"
	"speaksafe/errkind"
	"speaksafe/reports"
)

type fakeCases []reports.Fact

func (f fakeCases) Facts(context.Context, []string, time.Time, time.Time) ([]reports.Fact, error) {
	return f, nil
}

type fakePages map[string]alerts.PageTimes

func (f fakePages) PageTimes(context.Context, []string, time.Time, time.Time) (map[string]alerts.PageTimes, error) {
	return f, nil
}

type fakeOrgs map[string]string

func (f fakeOrgs) GetOrganisation(_ context.Context, id string) (accounts.Organisation, error) {
	if name, ok := f[id]; ok {
		return accounts.Organisation{ID: id, Name: name}, nil
	}
	return accounts.Organisation{}, errkind.NotFound
}

type fakeReferrals []ReferralFact

func (f fakeReferrals) ReferralFacts(context.Context, []string, time.Time, time.Time) ([]ReferralFact, error) {
	return f, nil
}

type fakeReminders int

func (f fakeReminders) Outstanding(context.Context, []string) (int, error) { return int(f), nil }

var from = time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)

// TestReferralsAndRemindersAreLeftOutUntilTheyExist: without sources the
// figures say null; with them, referrals by agency and reminders follow
// the same suppression.
func TestReferralsAndRemindersAreLeftOutUntilTheyExist(t *testing.T) {
	t.Parallel()
	q := Query{Forces: []string{"f"}, From: from, To: from.Add(7 * 24 * time.Hour)}
	svc := NewService(fakeCases{}, fakePages{}, fakeOrgs{})
	f, err := svc.Compute(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	if f.Referrals != nil || f.RemindersOutstanding != nil {
		t.Errorf("without sources: got %v and %v, want nil (null on the wire)", f.Referrals, f.RemindersOutstanding)
	}
	var refs fakeReferrals
	for i := range 6 {
		decided := from.Add(time.Duration(i+1) * time.Hour)
		refs = append(refs, ReferralFact{Agency: "mash", SharedAt: from, DecidedAt: &decided, Overdue: i == 0})
	}
	refs = append(refs, ReferralFact{Agency: "health", SharedAt: from})
	svc.UseReferrals(refs)
	svc.UseReminders(fakeReminders(3))
	if f, err = svc.Compute(context.Background(), q); err != nil {
		t.Fatal(err)
	}
	if len(f.Referrals) != 2 || f.Referrals[0].Agency != "health" || f.Referrals[0].Referrals.String() != "<5" ||
		f.Referrals[0].OverduePercent != nil {
		t.Errorf("health: got %+v, want <5 and no share", f.Referrals)
	}
	mash := f.Referrals[1]
	if mash.Referrals.String() != "5" || mash.OverduePercent == nil || *mash.OverduePercent != 17 ||
		mash.DecisionP50Seconds == nil || *mash.DecisionP50Seconds != 3*3600 {
		t.Errorf("mash: got %+v, want 5 referrals, 17%% overdue, median 3 h", mash)
	}
	if f.RemindersOutstanding == nil || f.RemindersOutstanding.String() != "<5" {
		t.Errorf("reminders: got %v, want <5", f.RemindersOutstanding)
	}
}

// TestConcernsAreCountedBySchoolByName: cases of kind concern are counted
// by their school, labelled with its name; reports are not.
func TestConcernsAreCountedBySchoolByName(t *testing.T) {
	t.Parallel()
	var facts fakeCases
	for i := range 8 {
		facts = append(facts, reports.Fact{ID: string(rune('a' + i)), Kind: KindConcern, SchoolID: "s1", CreatedAt: from})
	}
	facts = append(facts, reports.Fact{ID: "z", Kind: KindConcern, SchoolID: "s2", CreatedAt: from},
		reports.Fact{ID: "y", CreatedAt: from})
	svc := NewService(facts, fakePages{}, fakeOrgs{"s1": "Hillside Academy", "s2": "Valley School"})
	f, err := svc.Compute(context.Background(), Query{Forces: []string{"f"}, From: from, To: from.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	tab, ok := f.Table(TableSchool)
	if !ok || len(tab.Cells) != 2 || tab.Cells[0].Label != "Hillside Academy" || tab.Cells[0].Count.String() != "10" ||
		tab.Cells[1].Count.String() != "<5" || tab.Total.String() != "10" {
		t.Errorf("school table: got %+v", tab)
	}
	if _, ok := (&Figures{}).Table(TableSchool); ok {
		t.Error("an empty figures has a school table")
	}
}
