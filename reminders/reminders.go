// Package reminders finds what waits unseen in a force's cases — a new
// case nobody opened, a child's message nobody read, a case nobody touched,
// a referral past its deadline — lists it to the force's officers and
// supervisors, and pushes it to the assigned officer, then to the
// supervisors. A reminder is computed from the case each time, so it
// disappears as soon as someone acts on it.
package reminders

import (
	"context"
	"log/slog"
	"strconv"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"

	"speaksafe/alerts"
	"speaksafe/audit"
	"speaksafe/reports"
)

// Kind is what a reminder is about.
type Kind string

// Kinds of reminder.
const (
	// KindNotOpened: a case nobody opened within Settings.NotOpened (an
	// urgent one: within its force's escalation policy).
	KindNotOpened Kind = "not_opened"
	// KindUnreadMessage: the child's message unread by officers for
	// Settings.UnreadMessage.
	KindUnreadMessage Kind = "unread_message"
	// KindNoActivity: an open case unchanged for Settings.NoActivity.
	KindNoActivity Kind = "no_activity"
	// KindReferralOverdue: a referral of the case past its deadline.
	KindReferralOverdue Kind = "referral_overdue"
)

// Reminder is one thing waiting in a case. ID is the same for as long as
// the same thing waits, and changes when it was acted on and waits again.
type Reminder struct {
	ID         string
	Kind       Kind
	CaseID     string
	Reference  string
	Urgent     bool
	AssignedTo string
	// DueAt is when the threshold passed.
	DueAt time.Time
	// ReferralID names the overdue referral (KindReferralOverdue).
	ReferralID string
}

// OverdueReferral is a referral of a case that is past its deadline.
type OverdueReferral struct {
	CaseID     string
	ReferralID string
	DueAt      time.Time
}

// Referrals lists a force's overdue referrals (the referrals domain).
type Referrals interface {
	// OverdueReferrals returns the referrals of force forceID's cases
	// that are past their deadline and not decided.
	OverdueReferrals(ctx context.Context, forceID string) ([]OverdueReferral, error)
}

// Cases reads the open cases (reports.Store).
type Cases interface {
	OpenCases(ctx context.Context, forceID string) ([]reports.CaseTimes, error)
	OpenForces(ctx context.Context) ([]string, error)
}

// Policies says how long a force's escalation policy runs
// (oncall.OnCall).
type Policies interface {
	UrgentWindow(ctx context.Context, forceID string) (time.Duration, bool, error)
}

// Pusher pushes a reminder to one member of staff's phones
// (alerts.ReminderPusher).
type Pusher interface {
	Push(ctx context.Context, userID string, ref alerts.ReminderRef) (int, error)
}

// Staff names a force's active supervisors.
type Staff interface {
	Supervisors(ctx context.Context, forceID string) ([]string, error)
}

// Deps are a Service's dependencies; Audit records who changed a force's
// settings (required); Referrals is optional.
type Deps struct {
	DB        *mongo.Database
	Cases     Cases
	Policies  Policies
	Pusher    Pusher
	Staff     Staff
	Audit     audit.Recorder
	Referrals Referrals
	Log       *slog.Logger
	Now       func() time.Time
}

// Service lists, pushes and configures reminders.
type Service struct {
	d Deps
}

// New returns the reminders service.
func New(d Deps) *Service {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	return &Service{d: d}
}

// UseReferrals plugs in the referrals domain; nil leaves referrals out.
func (s *Service) UseReferrals(r Referrals) { s.d.Referrals = r }

// defaultUrgentWindow is how soon an urgent case must be opened when its
// force has no escalation policy.
const defaultUrgentWindow = 15 * time.Minute

// due returns the reminders of open case c at now.
func due(c reports.CaseTimes, set Settings, urgentWindow time.Duration, now time.Time) []Reminder {
	var out []Reminder
	add := func(k Kind, anchor time.Time, after time.Duration) {
		at := anchor.Add(after)
		if now.Before(at) {
			return
		}
		out = append(out, Reminder{ID: reminderID(k, c.ID, anchor), Kind: k, CaseID: c.ID, Reference: c.Reference,
			Urgent: c.Urgent, AssignedTo: c.AssignedTo, DueAt: at})
	}
	if c.FirstReadAt == nil {
		wait := set.NotOpened
		if c.Urgent {
			wait = min(wait, urgentWindow)
		}
		add(KindNotOpened, c.CreatedAt, wait)
	}
	if m := c.ReporterMessageAt; m != nil && (c.StaffReadAt == nil || c.StaffReadAt.Before(*m)) {
		add(KindUnreadMessage, *m, set.UnreadMessage)
	}
	add(KindNoActivity, c.UpdatedAt, set.NoActivity)
	return out
}

func reminderID(k Kind, caseID string, anchor time.Time) string {
	return string(k) + "-" + caseID + "-" + strconv.FormatInt(anchor.UnixMilli(), 36)
}
