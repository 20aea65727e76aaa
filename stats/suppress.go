package stats

import (
	"strconv"
)

// Threshold is the smallest count shown as a number: a count of 1 to 4
// could point at one child, so it is shown as "<5".
const Threshold = 5

// Count is a published count. Small counts are suppressed and every other
// count, totals included, is rounded to the nearest 5, so that nothing
// suppressed can be recovered by subtracting shown cells from a total
// (the rule of NHS England's published statistics):
//
//   - 0 is shown as 0: it is about no child, and a table of zeros should
//     read as one;
//   - 1 to 4 are shown as "<5";
//   - 5 and over are rounded to the nearest multiple of 5 (halves up:
//     7 → 5, 8 → 10), totals from the true counts.
//
// A total minus its rounded cells is off by up to 2 per cell, so it never
// pins a suppressed cell; nor do two tables of the same cases.
type Count struct {
	n int
}

// Publish returns the count n as it may be published.
func Publish(n int) Count { return Count{n: n} }

// Suppressed reports whether the count is shown as "<5".
func (c Count) Suppressed() bool { return c.n > 0 && c.n < Threshold }

// Value is the number shown, and false when the count is suppressed.
func (c Count) Value() (int, bool) {
	if c.Suppressed() {
		return 0, false
	}
	return roundTo5(c.n), true
}

// String is the count as shown in CSV and charts: a number or "<5".
func (c Count) String() string {
	if v, ok := c.Value(); ok {
		return strconv.Itoa(v)
	}
	return "<5"
}

// shown reports whether a figure derived from n values (a percentile, a
// share) may be published: it needs at least Threshold of them.
func shown(n int) bool { return n >= Threshold }

func roundTo5(n int) int { return (n + 2) / 5 * 5 }
