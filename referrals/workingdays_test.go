package referrals

import (
	"strconv"
	"testing"
	"time"
)

// The file in the repository parses and lists the current year's bank
// holidays: when this fails, add the next years from gov.uk (see
// docs/multi-agency.md).
func TestBankHolidayFileParsesAndCoversThisYear(t *testing.T) {
	c, err := DefaultCalendar()
	if err != nil {
		t.Fatal(err)
	}
	year := time.Now().Year()
	if !c.Covers(year) {
		t.Fatalf("bankholidays.json does not cover %d: add it from https://www.gov.uk/bank-holidays.json", year)
	}
	n := 0
	for d := range c.holidays {
		if d[:4] == strconv.Itoa(year) {
			n++
		}
	}
	if n < 8 {
		t.Errorf("got %d bank holidays in %d, want at least 8", n, year)
	}
	if _, ok := c.Holiday("2026-12-28"); !ok {
		t.Error("the Boxing Day substitute of 2026 is missing")
	}
}

func TestEndOfNextWorkingDay(t *testing.T) {
	c, err := DefaultCalendar()
	if err != nil {
		t.Fatal(err)
	}
	london, _ := time.LoadLocation(Zone)
	at := func(s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04", s, london)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, tc := range []struct{ from, want string }{
		{"2026-11-30 10:00", "2026-12-01"}, // Monday → Tuesday
		{"2026-12-04 16:00", "2026-12-07"}, // Friday → Monday
		{"2026-12-05 09:00", "2026-12-07"}, // Saturday → Monday
		{"2026-12-24 15:00", "2026-12-29"}, // Christmas Eve → over Christmas and the Boxing Day substitute
		{"2026-04-02 23:30", "2026-04-07"}, // Thursday before Easter → Tuesday after
		{"2026-03-28 12:00", "2026-03-30"}, // the day before the clocks go forward
	} {
		got := c.EndOfNextWorkingDay(at(tc.from)).In(london)
		if got.Format(time.DateOnly) != tc.want || got.Hour() != 23 || got.Minute() != 59 {
			t.Errorf("from %s: got %s, want %s 23:59", tc.from, got.Format("2006-01-02 15:04"), tc.want)
		}
	}
}

func TestParseCalendarRefusesBadFiles(t *testing.T) {
	for _, raw := range []string{`{`, `{"division":"scotland","coversYears":[2026],"events":[]}`,
		`{"division":"england-and-wales","coversYears":[2026],"events":[{"date":"2027-01-01"}]}`,
		`{"division":"england-and-wales","coversYears":[2026],"events":[{"date":"26-01-01"}]}`} {
		if _, err := ParseCalendar([]byte(raw)); err == nil {
			t.Errorf("accepted %s", raw)
		}
	}
}
