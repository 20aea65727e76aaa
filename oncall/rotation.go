package oncall

import (
	"fmt"
	"regexp"
	"time"

	"speaksafe/errkind"
)

// DefaultTimeZone is the zone rotations hand over in unless told otherwise.
const DefaultTimeZone = "Europe/London"

// Rotation is an ordered list of officers taking turns on call. Member i is
// on call for shift number k when k mod len(Members) == i; shifts start at
// the hand-over time of StartDate and last ShiftHours of local wall-clock
// time, so a daily 08:00 hand-over stays at 08:00 across clock changes.
type Rotation struct {
	ID         string    `bson:"_id"`
	ForceID    string    `bson:"forceId"`
	Name       string    `bson:"name"`
	Members    []string  `bson:"members"`
	ShiftHours int       `bson:"shiftHours"`
	Handover   string    `bson:"handover"`
	TimeZone   string    `bson:"timeZone"`
	StartDate  string    `bson:"startDate"`
	CreatedAt  time.Time `bson:"createdAt"`
	UpdatedAt  time.Time `bson:"updatedAt,omitempty"`
	// DeletedAt is set when a supervisor deleted it: it is no longer
	// listed or offered, but an alert whose policy still names it pages it.
	DeletedAt *time.Time `bson:"deletedAt,omitempty"`
}

var hhmm = regexp.MustCompile(`^([01][0-9]|2[0-3]):[0-5][0-9]$`)

// Validate checks every field and reports all problems at once.
func (r Rotation) Validate() error {
	v := &errkind.ValidationError{}
	v.Check(r.Name == "" || len(r.Name) > 100, "name", "must be 1 to 100 characters")
	v.Check(len(r.Members) == 0 || len(r.Members) > 100, "members", "must list 1 to 100 users")
	seen := map[string]bool{}
	for i, m := range r.Members {
		v.Check(m == "" || len(m) > 64, fmt.Sprintf("members[%d]", i), "must be a user id")
		v.Check(seen[m], fmt.Sprintf("members[%d]", i), "is listed twice")
		seen[m] = true
	}
	v.Check(r.ShiftHours < 1 || r.ShiftHours > 24*28, "shiftHours", "must be 1 to 672")
	v.Check(!hhmm.MatchString(r.Handover), "handover", "must be HH:MM")
	if _, err := time.LoadLocation(r.TimeZone); err != nil || r.TimeZone == "" {
		v.Add("timeZone", "must be an IANA time zone such as Europe/London")
	}
	if _, err := time.Parse(time.DateOnly, r.StartDate); err != nil {
		v.Add("startDate", "must be a date YYYY-MM-DD")
	}
	return v.Err()
}

// OnCallAt returns the member on call at t ("" before the rotation starts or
// when it is invalid). It is pure: the answer depends only on r and t.
func (r Rotation) OnCallAt(t time.Time) string {
	loc, err := time.LoadLocation(r.TimeZone)
	if err != nil || len(r.Members) == 0 || r.ShiftHours <= 0 {
		return ""
	}
	start, err := r.firstHandover()
	if err != nil {
		return ""
	}
	// Count shifts in local wall-clock hours: take t's local wall time as if
	// it were UTC and measure from the first hand-over's wall time. A 24-hour
	// shift then hands over at the same local time each day whatever the
	// clocks did overnight.
	lt := t.In(loc)
	wall := time.Date(lt.Year(), lt.Month(), lt.Day(), lt.Hour(), lt.Minute(), lt.Second(), lt.Nanosecond(), time.UTC)
	elapsed := wall.Sub(start)
	if elapsed < 0 {
		return ""
	}
	shift := int64(elapsed / (time.Duration(r.ShiftHours) * time.Hour))
	return r.Members[shift%int64(len(r.Members))]
}

// firstHandover is the wall-clock time (expressed in UTC) of the first shift.
func (r Rotation) firstHandover() (time.Time, error) {
	d, err := time.Parse(time.DateOnly, r.StartDate)
	if err != nil {
		return time.Time{}, err
	}
	h, err := time.Parse("15:04", r.Handover)
	if err != nil {
		return time.Time{}, err
	}
	return time.Date(d.Year(), d.Month(), d.Day(), h.Hour(), h.Minute(), 0, 0, time.UTC), nil
}
