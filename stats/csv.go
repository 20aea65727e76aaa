package stats

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// CSVHeader is the first row of the CSV export.
var CSVHeader = []string{"table", "key", "label", "value"}

// WriteCSV writes the figures as one long table: a row per published
// number, with the same suppression as the JSON ("<5"; a percentile or
// share from fewer than 5 cases as "suppressed").
func (f Figures) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	rows := [][]string{CSVHeader, {"cases", "total", "", f.Cases.String()}}
	for _, t := range f.Tables {
		for _, c := range t.Cells {
			rows = append(rows, []string{t.Name, c.Key, c.Label, c.Count.String()})
		}
		rows = append(rows, []string{t.Name, "total", "", t.Total.String()})
	}
	for _, d := range f.Durations {
		rows = append(rows, []string{d.Name, "n", "", d.N.String()},
			[]string{d.Name, "p50_seconds", "", optional(d.P50Seconds)},
			[]string{d.Name, "p90_seconds", "", optional(d.P90Seconds)})
	}
	for _, r := range f.Referrals {
		name := "referrals:" + r.Agency
		pct := "suppressed"
		if r.OverduePercent != nil {
			pct = strconv.Itoa(*r.OverduePercent)
		}
		rows = append(rows, []string{name, "referrals", "", r.Referrals.String()},
			[]string{name, "decision_p50_seconds", "", optional(r.DecisionP50Seconds)},
			[]string{name, "decision_p90_seconds", "", optional(r.DecisionP90Seconds)},
			[]string{name, "overdue_percent", "", pct})
	}
	if f.RemindersOutstanding != nil {
		rows = append(rows, []string{"reminders_outstanding", "total", "", f.RemindersOutstanding.String()})
	}
	for _, r := range rows {
		for i := range r {
			r[i] = defuse(r[i])
		}
		if err := cw.Write(r); err != nil {
			return fmt.Errorf("stats: csv: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("stats: csv: %w", err)
	}
	return nil
}

func optional(v *int64) string {
	if v == nil {
		return "suppressed"
	}
	return strconv.FormatInt(*v, 10)
}

// defuse keeps a spreadsheet from reading a cell (a school's name) as a
// formula. "<5" and plain numbers are left alone.
func defuse(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
