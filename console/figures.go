package console

import (
	"bytes"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"speaksafe/errkind"
	"speaksafe/handlers"
	"speaksafe/stats"
)

// defaultFigureDays is how far back the figures go when no range is given,
// as in GET /v1/stats (12 weeks).
const defaultFigureDays = 7 * 12

type forceChoice struct {
	ID, Name string
	Selected bool
}

type figuresView struct {
	From, To string
	Forces   []forceChoice
	ForceID  string
	Figures  stats.Figures
	Charts   []chartLink
	CSV      string
	Steps    []stepRow
}

// stepRow is one line of the durations table, in words.
type stepRow struct {
	Name, N, P50, P90 string
}

func stepRows(ds []stats.Durations) []stepRow {
	out := make([]stepRow, 0, len(ds))
	for _, d := range ds {
		out = append(out, stepRow{Name: strings.ReplaceAll(d.Name, "_", " "), N: d.N.String(), P50: seconds(d.P50Seconds), P90: seconds(d.P90Seconds)})
	}
	return out
}

// seconds says a duration in words; nil (fewer than 5 cases) is withheld.
func seconds(s *int64) string {
	if s == nil {
		return "withheld (fewer than 5 cases)"
	}
	d := time.Duration(*s) * time.Second
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%d s", *s)
	case d < time.Hour:
		return fmt.Sprintf("%d min", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%.1f h", d.Hours())
	}
	return fmt.Sprintf("%.1f days", d.Hours()/24)
}

type chartLink struct {
	Src, Title string
}

// figureQuery is the range and force a figures request asks for: dates
// (YYYY-MM-DD, UTC) from the first day to the last day included.
type figureQuery struct {
	from, to time.Time
	forceID  string
}

func (c *Console) readFigureQuery(ctx *fiber.Ctx) (figureQuery, error) {
	today := c.now().UTC().Truncate(24 * time.Hour)
	v := &errkind.ValidationError{}
	day := func(name string, def time.Time) time.Time {
		s := strings.TrimSpace(ctx.Query(name))
		if s == "" {
			return def
		}
		t, err := time.Parse(time.DateOnly, s)
		v.Check(err != nil, name, "must be a date YYYY-MM-DD")
		return t
	}
	to := day("to", today)
	from := day("from", to.AddDate(0, 0, -defaultFigureDays+1))
	q := figureQuery{from: from, to: to, forceID: strings.Clone(strings.TrimSpace(ctx.Query("forceId")))}
	return q, v.Err()
}

func (q figureQuery) values() url.Values {
	v := url.Values{"from": {q.from.Format(time.DateOnly)}, "to": {q.to.Format(time.DateOnly)}}
	if q.forceID != "" {
		v.Set("forceId", q.forceID)
	}
	return v
}

// compute works out the figures as GET /v1/stats does: the forces the
// caller may read (handlers.FigureForces, the API's rule), the range
// checked by stats.Query.
func (c *Console) compute(ctx *fiber.Ctx) (stats.Figures, figureQuery, error) {
	q, err := c.readFigureQuery(ctx)
	if err != nil {
		return stats.Figures{}, q, err
	}
	uctx := ctx.UserContext()
	forces, err := handlers.FigureForces(uctx, c.d.Accounts, q.forceID)
	if err != nil {
		return stats.Figures{}, q, err
	}
	sq := stats.Query{Forces: forces, From: q.from, To: q.to.AddDate(0, 0, 1)}
	if err := sq.Validate(); err != nil {
		return stats.Figures{}, q, err
	}
	f, err := c.d.Stats.Compute(uctx, sq)
	return f, q, err
}

// figures shows the figures of the forces the caller may read, with the
// charts (images from this console) and a CSV download.
func (c *Console) figures(ctx *fiber.Ctx) error {
	f, q, err := c.compute(ctx)
	if err != nil {
		return err
	}
	choices, err := c.forceChoices(ctx, q.forceID)
	if err != nil {
		return err
	}
	qs := q.values().Encode()
	view := figuresView{From: q.from.Format(time.DateOnly), To: q.to.Format(time.DateOnly), Forces: choices,
		ForceID: q.forceID, Figures: f, Steps: stepRows(f.Durations), CSV: Prefix + "/figures/figures.csv?" + qs}
	for _, name := range stats.Charts {
		view.Charts = append(view.Charts, chartLink{Src: Prefix + "/figures/charts/" + name + ".svg?" + qs, Title: chartTitles[name]})
	}
	return c.render(ctx, "figures", "Figures", view)
}

var chartTitles = map[string]string{
	"weekly-volume":       "Cases by week",
	"time-to-acknowledge": "Time to acknowledge",
	"outcomes":            "Outcomes",
}

// forceChoices names the forces the caller may pick (more than one only
// for commissioners and admins).
func (c *Console) forceChoices(ctx *fiber.Ctx, selected string) ([]forceChoice, error) {
	ids, err := handlers.FigureForces(ctx.UserContext(), c.d.Accounts, "")
	if err != nil || len(ids) < 2 {
		return nil, err
	}
	out := make([]forceChoice, 0, len(ids))
	for _, id := range ids {
		o, err := c.d.Accounts.GetOrganisation(ctx.UserContext(), id)
		if err != nil {
			return nil, err
		}
		out = append(out, forceChoice{ID: id, Name: o.Name, Selected: id == selected})
	}
	slices.SortFunc(out, func(a, b forceChoice) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// figuresCSV downloads the same figures as GET /v1/stats?format=csv.
func (c *Console) figuresCSV(ctx *fiber.Ctx) error {
	f, _, err := c.compute(ctx)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	if err := f.WriteCSV(&b); err != nil {
		return err
	}
	ctx.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	ctx.Set(fiber.HeaderContentDisposition, `attachment; filename="speaksafe-figures.csv"`)
	return ctx.Send(b.Bytes())
}

// figureChart is one chart as SVG, drawn by the stats package, for an
// <img> of the figures page. An image runs no script whatever it holds;
// the chart's own CSP also forbids any, should it be opened on its own.
func (c *Console) figureChart(ctx *fiber.Ctx) error {
	name, svg := strings.CutSuffix(ctx.Params("chart"), ".svg")
	if !svg || !slices.Contains(stats.Charts, name) {
		return fmt.Errorf("console: chart %q: %w", strings.Clone(name), errkind.NotFound)
	}
	f, _, err := c.compute(ctx)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	if err := f.Render(name, &b); err != nil {
		return err
	}
	ctx.Set(fiber.HeaderContentType, "image/svg+xml")
	ctx.Set(fiber.HeaderContentSecurityPolicy, "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")
	return ctx.Send(b.Bytes())
}
