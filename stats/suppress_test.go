package stats

import (
	"bytes"
	"encoding/xml"
	"io"
	"strings"
	"testing"
	"time"
)

func TestSmallCountsAreSuppressedAndOthersRounded(t *testing.T) {
	t.Parallel()
	for n, want := range map[int]string{0: "0", 1: "<5", 4: "<5", 5: "5", 7: "5", 8: "10", 12: "10", 13: "15", 102: "100"} {
		if got := Publish(n).String(); got != want {
			t.Errorf("count %d: got %q, want %q", n, got, want)
		}
	}
}

// TestASuppressedCellCannotBeRecoveredFromTheTotal: a table with one small
// cell. Were the total exact (8) and the other cell exact (6), the small
// cell would be 8 − 6 = 2. Published, the total and the cell are rounded,
// and their difference is not the small cell.
func TestASuppressedCellCannotBeRecoveredFromTheTotal(t *testing.T) {
	t.Parallel()
	c := newCounter("a", "b")
	for range 6 {
		c.add("a")
	}
	c.add("b")
	c.add("b")
	tab := c.table("t")
	a, _ := tab.Cells[0].Count.Value()
	total, _ := tab.Total.Value()
	if tab.Cells[1].Count.String() != "<5" || a != 5 || total != 10 {
		t.Fatalf("got a=%s b=%s total=%s, want 5, <5, 10", tab.Cells[0].Count, tab.Cells[1].Count, tab.Total)
	}
	if total-a == 2 {
		t.Errorf("total minus the shown cell recovers the suppressed cell")
	}
}

func TestPercentilesNeedFiveCases(t *testing.T) {
	t.Parallel()
	four := []time.Duration{time.Minute, 2 * time.Minute, 3 * time.Minute, 4 * time.Minute}
	if d := summarise("x", four); d.P50Seconds != nil || d.N.String() != "<5" {
		t.Errorf("4 cases: got p50 %v n %s, want none and <5", d.P50Seconds, d.N)
	}
	ten := append(four, 5*time.Minute, 6*time.Minute, 7*time.Minute, 8*time.Minute, 9*time.Minute, 10*time.Minute)
	d := summarise("x", ten)
	if d.P50Seconds == nil || *d.P50Seconds != 300 || *d.P90Seconds != 540 {
		t.Errorf("10 cases: got %v %v, want p50 300 s, p90 540 s", d.P50Seconds, d.P90Seconds)
	}
}

func TestCSVDefusesFormulas(t *testing.T) {
	t.Parallel()
	f := Figures{Cases: Publish(0), Tables: []Table{{Name: TableSchool, Cells: []Cell{{Key: "s1", Label: "=HYPERLINK(\"x\")", Count: Publish(3)}}, Total: Publish(3)}}}
	var b bytes.Buffer
	if err := f.WriteCSV(&b); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), `school,s1,"'=HYPERLINK(""x"")",<5`) {
		t.Errorf("got %s", b.String())
	}
}

// TestChartsAreStaticSVG: every chart parses as XML with an <svg> root and
// holds no script, no event handler and no external reference.
func TestChartsAreStaticSVG(t *testing.T) {
	t.Parallel()
	week := newCounter(weeks(time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC))...)
	week.add("2026-10-05")
	f := Figures{Tables: []Table{week.table(TableWeek), newCounter(ackBandKeys...).table(TableAckBand)}}
	for _, name := range Charts {
		var b bytes.Buffer
		if err := f.Render(name, &b); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		checkStaticSVG(t, name, b.Bytes())
	}
	if !strings.Contains(renderString(t, f, "weekly-volume"), "(&lt;5)") {
		t.Errorf("the week with one case is not labelled <5")
	}
}

func renderString(t *testing.T, f Figures, name string) string {
	var b bytes.Buffer
	if err := f.Render(name, &b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func checkStaticSVG(t *testing.T, name string, svg []byte) {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(svg))
	root := ""
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("%s: not XML: %v", name, err)
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		if root == "" {
			root = se.Name.Local
		}
		if strings.EqualFold(se.Name.Local, "script") || strings.EqualFold(se.Name.Local, "foreignObject") {
			t.Errorf("%s: has a <%s>", name, se.Name.Local)
		}
		for _, a := range se.Attr {
			if strings.HasPrefix(strings.ToLower(a.Name.Local), "on") || a.Name.Local == "href" {
				t.Errorf("%s: <%s %s=%q>", name, se.Name.Local, a.Name.Local, a.Value)
			}
		}
	}
	if root != "svg" {
		t.Errorf("%s: root element %q, want svg", name, root)
	}
}
