package accounts

import (
	"time"

	"speaksafe/errkind"
)

// ReadingHours are when a force's team reads routine reports, in the
// force's local time: FirstDay to LastDay (lower-case English day names,
// wrapping past Sunday; both empty means every day), from hour From to
// hour To (0 ≤ From < To ≤ 24). The guidance after a routine report quotes
// them to the child.
type ReadingHours struct {
	FirstDay string `bson:"firstDay,omitempty"`
	LastDay  string `bson:"lastDay,omitempty"`
	From     int    `bson:"from"`
	To       int    `bson:"to"`
}

// weekdays maps the day names ReadingHours accepts to their days.
var weekdays = map[string]time.Weekday{
	"sunday": time.Sunday, "monday": time.Monday, "tuesday": time.Tuesday, "wednesday": time.Wednesday,
	"thursday": time.Thursday, "friday": time.Friday, "saturday": time.Saturday,
}

// EveryDay reports whether the hours hold on every day of the week.
func (h ReadingHours) EveryDay() bool { return h.FirstDay == "" && h.LastDay == "" }

// Days returns the first and last day (meaningless when EveryDay).
func (h ReadingHours) Days() (first, last time.Weekday) {
	return weekdays[h.FirstDay], weekdays[h.LastDay]
}

// check adds h's problems to v.
func (h ReadingHours) check(v *errkind.ValidationError) {
	_, firstOK := weekdays[h.FirstDay]
	_, lastOK := weekdays[h.LastDay]
	v.Check(!h.EveryDay() && (!firstOK || !lastOK), "readingHours.firstDay",
		"firstDay and lastDay must both be a day name (monday … sunday), or both be left out for every day")
	v.Check(h.From < 0 || h.From > 23, "readingHours.from", "must be an hour from 0 to 23")
	v.Check(h.To < 1 || h.To > 24 || h.To <= h.From, "readingHours.to", "must be an hour from 1 to 24, after from")
}
