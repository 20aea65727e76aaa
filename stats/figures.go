// Package stats computes the aggregate figures that supervisors and the
// police and crime commissioner's office read: counts of cases by week,
// category, urgency, age band, school and disposition, how fast each step
// was taken, referrals by agency and reminders outstanding. Every count it
// publishes is suppressed or rounded (see Count); it never names a case,
// a child or a member of staff.
package stats

import (
	"context"
	"fmt"
	"time"

	"speaksafe/accounts"
	"speaksafe/alerts"
	"speaksafe/errkind"
	"speaksafe/reports"
)

// MaxRange is the longest period one request may cover.
const MaxRange = 366 * 24 * time.Hour

// Cases gives the facts of cases (reports.Store satisfies it).
type Cases interface {
	Facts(ctx context.Context, forces []string, from, to time.Time) ([]reports.Fact, error)
}

// Pages gives alerts' page and acknowledgement times
// (alerts.Dispatcher satisfies it).
type Pages interface {
	PageTimes(ctx context.Context, forces []string, from, to time.Time) (map[string]alerts.PageTimes, error)
}

// Organisations names schools and forces (accounts.Store satisfies it).
type Organisations interface {
	GetOrganisation(ctx context.Context, id string) (accounts.Organisation, error)
}

// Query is what the figures cover: cases of Forces created in [From, To).
type Query struct {
	Forces   []string
	From, To time.Time
}

// Validate reports a range that is empty, reversed or too long.
func (q Query) Validate() error {
	v := &errkind.ValidationError{}
	v.Check(!q.To.After(q.From), "to", "must be after from")
	v.Check(q.To.Sub(q.From) > MaxRange, "from", "the range may cover at most 366 days")
	return v.Err()
}

// Figures are the published figures of a query.
type Figures struct {
	Forces    []string
	From      time.Time
	To        time.Time
	Cases     Count
	Tables    []Table
	Durations []Durations
	// Referrals is nil when referrals are not recorded by this service.
	Referrals []AgencyRow
	// RemindersOutstanding is nil when reminders are not kept.
	RemindersOutstanding *Count
}

// Table is one breakdown of the cases: a count per key and the total.
type Table struct {
	Name  string
	Cells []Cell
	Total Count
}

// Cell is one row of a table. Label is a display name (a school's name)
// where the key is an id.
type Cell struct {
	Key   string
	Label string
	Count Count
	n     int
}

// Service computes figures from its sources. Referrals and Reminders may
// be nil: those figures are then left out.
type Service struct {
	cases     Cases
	pages     Pages
	orgs      Organisations
	referrals Referrals
	reminders Reminders
}

// NewService returns a Service over the case, alert and organisation
// sources.
func NewService(cases Cases, pages Pages, orgs Organisations) *Service {
	return &Service{cases: cases, pages: pages, orgs: orgs}
}

// UseReferrals adds referrals by agency to the figures.
func (s *Service) UseReferrals(r Referrals) { s.referrals = r }

// UseReminders adds the reminders outstanding to the figures.
func (s *Service) UseReminders(r Reminders) { s.reminders = r }

// Compute returns the figures of q. The caller has decided that the
// signed-in user may read the figures of every force in q.Forces.
func (s *Service) Compute(ctx context.Context, q Query) (Figures, error) {
	if err := q.Validate(); err != nil {
		return Figures{}, err
	}
	facts, err := s.cases.Facts(ctx, q.Forces, q.From, q.To)
	if err != nil {
		return Figures{}, fmt.Errorf("stats: %w", err)
	}
	// An alert opens just before its case is stored: widen its window.
	pages, err := s.pages.PageTimes(ctx, q.Forces, q.From.Add(-time.Hour), q.To.Add(time.Hour))
	if err != nil {
		return Figures{}, fmt.Errorf("stats: %w", err)
	}
	f := Figures{Forces: q.Forces, From: q.From.UTC(), To: q.To.UTC(), Cases: Publish(len(facts))}
	f.Tables = s.tables(ctx, q, facts, pages)
	f.Durations = durations(facts, pages)
	if f.Referrals, err = s.referralRows(ctx, q); err != nil {
		return Figures{}, err
	}
	if s.reminders != nil {
		n, err := s.reminders.Outstanding(ctx, q.Forces)
		if err != nil {
			return Figures{}, fmt.Errorf("stats: reminders: %w", err)
		}
		c := Publish(n)
		f.RemindersOutstanding = &c
	}
	return f, nil
}

// Table returns the table called name, and false when there is none.
func (f Figures) Table(name string) (Table, bool) {
	for _, t := range f.Tables {
		if t.Name == name {
			return t, true
		}
	}
	return Table{}, false
}
