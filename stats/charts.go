package stats

import (
	"fmt"
	"html"
	"io"
	"time"

	chart "github.com/wcharczuk/go-chart/v2"
)

// Charts are the names of the charts Render draws.
var Charts = []string{"weekly-volume", "time-to-acknowledge", "outcomes"}

// chartSpec says which table a chart draws and how it labels a key.
type chartSpec struct {
	table, title string
	label        func(key string) string
}

var chartSpecs = map[string]chartSpec{
	"weekly-volume":       {TableWeek, "Cases by week", weekLabel},
	"time-to-acknowledge": {TableAckBand, "Time to acknowledge", ackLabel},
	"outcomes":            {TableDisposition, "Outcomes", func(k string) string { return k }},
}

// ErrNoChart says there is no chart of that name.
var ErrNoChart = fmt.Errorf("stats: no such chart")

// Render draws chart name of f as SVG on w: a bar per cell of its table,
// with the published (suppressed, rounded) counts. A suppressed cell is
// drawn as an empty bar labelled "<5". The SVG is static: no script, no
// external reference.
func (f Figures) Render(name string, w io.Writer) error {
	spec, ok := chartSpecs[name]
	if !ok {
		return ErrNoChart
	}
	t, _ := f.Table(spec.table)
	bars := make([]chart.Value, 0, len(t.Cells))
	top := float64(Threshold)
	for _, c := range t.Cells {
		label := spec.label(c.Key)
		v, shown := c.Count.Value()
		if !shown {
			label += " (<5)"
		}
		bars = append(bars, chart.Value{Value: float64(v), Label: html.EscapeString(label)})
		top = max(top, float64(v))
	}
	if len(bars) == 0 {
		bars = append(bars, chart.Value{Value: 0, Label: "no data"})
	}
	bc := chart.BarChart{
		// go-chart writes text into the SVG as it is: escape it.
		Title:      html.EscapeString(spec.title + " (1–4 shown as <5, others rounded to 5)"),
		Width:      max(640, 70*len(bars)),
		Height:     400,
		BarWidth:   40,
		Background: chart.Style{Padding: chart.Box{Top: 50, Left: 20, Right: 20, Bottom: 20}},
		YAxis:      chart.YAxis{Range: &chart.ContinuousRange{Min: 0, Max: top}},
		Bars:       bars,
	}
	if err := bc.Render(chart.SVG, w); err != nil {
		return fmt.Errorf("stats: render %s: %w", name, err)
	}
	return nil
}

func weekLabel(key string) string {
	t, err := time.Parse(time.DateOnly, key)
	if err != nil {
		return key
	}
	return t.Format("2 Jan")
}

func ackLabel(key string) string {
	return map[string]string{"under_5m": "< 5 min", "5m_to_15m": "5–15 min", "15m_to_1h": "15–60 min",
		"1h_to_4h": "1–4 h", "over_4h": "> 4 h"}[key]
}
