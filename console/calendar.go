package console

import (
	"time"

	"speaksafe/oncall"
)

// calendarWeeks is how many weeks the on-call calendar shows, from the
// Monday of this week.
const calendarWeeks = 4

type calendarDay struct {
	Date   string
	Label  string
	Today  bool
	People []string
}

type calendarWeek struct {
	Days []calendarDay
}

type rotationCalendar struct {
	Rotation oncall.Rotation
	Weeks    []calendarWeek
}

// calendar works out who is on call in rotation r on each day of the next
// weeks, overrides applied, with oncall.OnCallUsers: the very rule
// that resolves a page. Days are those of the rotation's time zone.
func calendar(r oncall.Rotation, overrides []oncall.Override, now time.Time, names map[string]string) rotationCalendar {
	loc, err := time.LoadLocation(r.TimeZone)
	if err != nil {
		loc = time.UTC
	}
	today := now.In(loc)
	start := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, loc)
	start = start.AddDate(0, 0, -((int(start.Weekday()) + 6) % 7))
	cal := rotationCalendar{Rotation: r}
	for w := 0; w < calendarWeeks; w++ {
		var week calendarWeek
		for d := 0; d < 7; d++ {
			day := start.AddDate(0, 0, 7*w+d)
			cd := calendarDay{Date: day.Format(time.DateOnly), Label: day.Format("Mon 2 Jan"),
				Today: day.Year() == today.Year() && day.YearDay() == today.YearDay()}
			for _, id := range onCallOn(r, overrides, day, loc) {
				cd.People = append(cd.People, nameOf(names, id))
			}
			week.Days = append(week.Days, cd)
		}
		cal.Weeks = append(cal.Weeks, week)
	}
	return cal
}

func nameOf(names map[string]string, id string) string {
	if n := names[id]; n != "" {
		return n
	}
	return id
}

// onCallOn lists, in order, everyone on call at some time of day (local
// midnight to midnight): it looks at midnight, at every hand-over that can
// fall on the day and at every override's start within it.
func onCallOn(r oncall.Rotation, overrides []oncall.Override, day time.Time, loc *time.Location) []string {
	next := time.Date(day.Year(), day.Month(), day.Day()+1, 0, 0, 0, 0, loc)
	times := []time.Time{day}
	hand, err := time.Parse("15:04", r.Handover)
	if err == nil && r.ShiftHours > 0 {
		step := gcd(r.ShiftHours, 24)
		for h := hand.Hour() % step; h < 24; h += step {
			times = append(times, time.Date(day.Year(), day.Month(), day.Day(), h, hand.Minute(), 0, 0, loc))
		}
	}
	for _, o := range overrides {
		if o.RotationID == r.ID && o.Start.After(day) && o.Start.Before(next) {
			times = append(times, o.Start)
		}
	}
	var out []string
	seen := map[string]bool{}
	for _, t := range times {
		for _, u := range oncall.OnCallUsers(r, overrides, t) {
			if !seen[u] {
				seen[u] = true
				out = append(out, u)
			}
		}
	}
	return out
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}
