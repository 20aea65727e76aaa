package referrals

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

//go:embed bankholidays.json
var bankHolidaysJSON []byte

// Zone is where working days are counted: England and Wales.
const Zone = "Europe/London"

// Calendar knows which days are working days: Monday to Friday except the
// England and Wales bank holidays of the years it covers.
type Calendar struct {
	loc      *time.Location
	holidays map[string]string // date (YYYY-MM-DD) → title
	years    []int
}

// holidayFile is the gov.uk bank-holiday file's format, which this package
// reads as published.
type holidayFile struct {
	Division    string `json:"division"`
	CoversYears []int  `json:"coversYears"`
	Events      []struct {
		Date  string `json:"date"`
		Title string `json:"title"`
	} `json:"events"`
}

// DefaultCalendar returns the calendar of the bank holidays kept in
// bankholidays.json (the gov.uk England and Wales list).
func DefaultCalendar() (*Calendar, error) { return ParseCalendar(bankHolidaysJSON) }

// ParseCalendar reads a bank-holiday file: the england-and-wales object of
// https://www.gov.uk/bank-holidays.json plus the years it covers.
func ParseCalendar(raw []byte) (*Calendar, error) {
	loc, err := time.LoadLocation(Zone)
	if err != nil {
		return nil, fmt.Errorf("referrals: time zone %s: %w", Zone, err)
	}
	var f holidayFile
	if err := json.Unmarshal(raw, &f); err != nil {
		return nil, fmt.Errorf("referrals: bank holidays: %w", err)
	}
	if f.Division != "england-and-wales" || len(f.CoversYears) == 0 {
		return nil, fmt.Errorf("referrals: bank holidays: want division england-and-wales and coversYears")
	}
	c := &Calendar{loc: loc, holidays: map[string]string{}, years: f.CoversYears}
	for _, e := range f.Events {
		d, err := time.Parse(time.DateOnly, e.Date)
		if err != nil {
			return nil, fmt.Errorf("referrals: bank holiday %q: %w", e.Date, err)
		}
		if !slices.Contains(f.CoversYears, d.Year()) {
			return nil, fmt.Errorf("referrals: bank holiday %s is outside coversYears", e.Date)
		}
		c.holidays[e.Date] = e.Title
	}
	return c, nil
}

// Covers reports whether the calendar lists the bank holidays of year.
func (c *Calendar) Covers(year int) bool { return slices.Contains(c.years, year) }

// Holiday returns the title of the bank holiday on date (YYYY-MM-DD), if any.
func (c *Calendar) Holiday(date string) (string, bool) {
	t, ok := c.holidays[date]
	return t, ok
}

// WorkingDay reports whether the local day of t is a working day.
func (c *Calendar) WorkingDay(t time.Time) bool {
	l := t.In(c.loc)
	if l.Weekday() == time.Saturday || l.Weekday() == time.Sunday {
		return false
	}
	_, holiday := c.holidays[l.Format(time.DateOnly)]
	return !holiday
}

// EndOfNextWorkingDay is the last second (23:59:59 local time) of the
// first working day after the local day of t: when a standard referral's
// decision is due.
func (c *Calendar) EndOfNextWorkingDay(t time.Time) time.Time {
	l := t.In(c.loc)
	day := time.Date(l.Year(), l.Month(), l.Day(), 12, 0, 0, 0, c.loc)
	for i := 0; i < 30; i++ {
		day = day.AddDate(0, 0, 1)
		if c.WorkingDay(day) {
			break
		}
	}
	return time.Date(day.Year(), day.Month(), day.Day(), 23, 59, 59, 0, c.loc).UTC()
}
