package handlers_test

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"speaksafe/apptest"
	"speaksafe/fcmfake"
)

type figuresBody struct {
	Forces []string
	Cases  any
	Tables []struct {
		Name  string
		Cells []struct {
			Key   string
			Count any
		}
		Total any
	}
	Durations []struct {
		Name       string
		N          any
		P50Seconds *int64
	}
	Referrals            any
	RemindersOutstanding any
}

func (f figuresBody) cell(table, key string) any {
	for _, t := range f.Tables {
		for _, c := range t.Cells {
			if t.Name == table && c.Key == key {
				return c.Count
			}
		}
	}
	return "missing"
}

func (f figuresBody) total(table string) any {
	for _, t := range f.Tables {
		if t.Name == table {
			return t.Total
		}
	}
	return "missing"
}

// TestFiguresSuppressSmallCellsAndStayInTheCallersForces: seven reports of
// one category and two of another in force A, three in force B. Force A's
// supervisor and the commissioner covering force A see force A only, with
// the two shown as "<5", the seven rounded to 5 and the total (9) rounded
// to 10, so the hidden two cannot be had by subtraction; force B is 404 to
// both; the CSV says the same; first reads ten minutes on give a median of
// 600 s.
func TestFiguresSuppressSmallCellsAndStayInTheCallersForces(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC) // a Monday
	clock := apptest.NewClock(start)
	app := apptest.New(t, apptest.WithoutWorkers(), apptest.WithClock(clock))
	w := app.NewWorld(t)
	var ids []string
	for i := range 9 {
		body := routineReport(w.ForceA.Code, "figures report")
		if i >= 7 {
			body["category"] = "sexual_messages"
		}
		var ans reportAnswer
		postReport(t, app, freshKey(), body, nil).Decode(t, &ans)
		ids = append(ids, caseOf(t, app, ans.Reference))
	}
	for range 3 {
		postReport(t, app, freshKey(), routineReport(w.ForceB.Code, "other force"), nil)
	}
	clock.Advance(10 * time.Minute)
	officer := w.Who(t, "forceA/officer")
	for _, id := range ids[:5] {
		if res := app.Get(t, "/v1/cases/"+id, officer.Token); res.Status != http.StatusOK {
			t.Fatalf("open case: got %d", res.Status)
		}
	}
	q := "?" + url.Values{"from": {start.Add(-time.Hour).Format(time.RFC3339)}, "to": {start.Add(time.Hour).Format(time.RFC3339)}}.Encode()
	for _, who := range []string{"forceA/supervisor", "oversightA/commissioner"} {
		token := w.Who(t, who).Token
		res := app.Get(t, "/v1/stats"+q, token)
		if res.Status != http.StatusOK {
			t.Fatalf("%s: got %d %s", who, res.Status, res.Body)
		}
		var f figuresBody
		res.Decode(t, &f)
		if len(f.Forces) != 1 || f.Forces[0] != w.ForceA.ID {
			t.Errorf("%s: forces %v, want force A only", who, f.Forces)
		}
		for _, c := range []struct {
			table, key string
			want       any
		}{{"category", "gifts_or_money", 5.0}, {"category", "sexual_messages", "<5"}, {"category", "images_shared", 0.0},
			{"urgency", "routine", 10.0}, {"week", "2026-11-02", 10.0}, {"disposition", "open", 10.0}} {
			if got := f.cell(c.table, c.key); got != c.want {
				t.Errorf("%s: %s %s: got %v, want %v", who, c.table, c.key, got, c.want)
			}
		}
		if f.Cases != 10.0 || f.total("category") != 10.0 {
			t.Errorf("%s: totals %v %v, want 10 (9 rounded)", who, f.Cases, f.total("category"))
		}
		for _, d := range f.Durations {
			if d.Name == "time_to_first_read" && (d.P50Seconds == nil || *d.P50Seconds != 600) {
				t.Errorf("%s: time to first read %+v, want p50 600 s", who, d)
			}
			if d.Name == "time_to_close" && d.P50Seconds != nil {
				t.Errorf("%s: time to close shown with no case closed", who)
			}
		}
		if res := app.Get(t, "/v1/stats"+q+"&forceId="+w.ForceB.ID, token); res.Status != http.StatusNotFound {
			t.Errorf("%s asking for force B: got %d, want 404", who, res.Status)
		}
		csv := app.Do(t, apptest.Request{Method: http.MethodGet, Path: "/v1/stats" + q, Token: token, Header: map[string]string{"Accept": "text/csv"}})
		if !strings.HasPrefix(csv.Header.Get("Content-Type"), "text/csv") || !strings.Contains(string(csv.Body), "category,sexual_messages,,<5\n") ||
			!strings.Contains(string(csv.Body), "category,total,,10\n") {
			t.Errorf("%s: CSV %s %s", who, csv.Header.Get("Content-Type"), csv.Body)
		}
	}
	admin := app.Get(t, "/v1/stats"+q+"&format=csv&forceId="+w.ForceB.ID, w.Admin.Token)
	if admin.Status != http.StatusOK || !strings.Contains(string(admin.Body), "cases,total,,<5\n") {
		t.Errorf("admin, force B: got %d %s", admin.Status, admin.Body)
	}
	for _, who := range []string{"forceA/officer", "schoolA/safeguarding_lead"} {
		if res := app.Get(t, "/v1/stats", w.Who(t, who).Token); res.Status != http.StatusForbidden {
			t.Errorf("%s: got %d, want 403", who, res.Status)
		}
	}
}

func TestFiguresRefuseBadRanges(t *testing.T) {
	t.Parallel()
	app := apptest.New(t, apptest.WithoutWorkers())
	w := app.NewWorld(t)
	sup := w.Who(t, "forceA/supervisor").Token
	for _, q := range []string{"?from=yesterday", "?from=2026-11-02T00:00:00Z&to=2026-11-01T00:00:00Z",
		"?from=2024-01-01T00:00:00Z&to=2026-01-01T00:00:00Z", "?format=xlsx", "?limit=5"} {
		if res := app.Get(t, "/v1/stats"+q, sup); res.Status != http.StatusBadRequest {
			t.Errorf("%s: got %d, want 400", q, res.Status)
		}
	}
	if res := app.Get(t, "/v1/stats/charts/pie.svg", sup); res.Status != http.StatusNotFound {
		t.Errorf("an unknown chart: got %d, want 404", res.Status)
	}
}

// TestChartsRenderAsStaticSVG: each chart answers an SVG document (XML
// with an <svg> root) without any script, for a supervisor and a
// commissioner alike.
func TestChartsRenderAsStaticSVG(t *testing.T) {
	t.Parallel()
	app := apptest.New(t, apptest.WithoutWorkers())
	w := app.NewWorld(t)
	for range 6 {
		postReport(t, app, freshKey(), routineReport(w.ForceA.Code, "chart report"), nil)
	}
	for _, who := range []string{"forceA/supervisor", "oversightA/commissioner"} {
		for _, name := range []string{"weekly-volume", "time-to-acknowledge", "outcomes"} {
			res := app.Get(t, "/v1/stats/charts/"+name+".svg", w.Who(t, who).Token)
			if res.Status != http.StatusOK || res.Header.Get("Content-Type") != "image/svg+xml" {
				t.Fatalf("%s %s: got %d %q %s", who, name, res.Status, res.Header.Get("Content-Type"), res.Body)
			}
			if root, script := svgRoot(t, res.Body); root != "svg" || script {
				t.Errorf("%s %s: root %q, script %v", who, name, root, script)
			}
		}
	}
}

// svgRoot parses body as XML and returns its root element's name and
// whether any element is a script.
func svgRoot(t *testing.T, body []byte) (string, bool) {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(body))
	root, script := "", false
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return root, script || bytes.Contains(bytes.ToLower(body), []byte("<script"))
		}
		if err != nil {
			t.Fatalf("not XML: %v", err)
		}
		if se, ok := tok.(xml.StartElement); ok {
			if root == "" {
				root = se.Name.Local
			}
			script = script || strings.EqualFold(se.Name.Local, "script")
		}
	}
}

// TestFiguresMeasureTimeToAcknowledge: five urgent reports, each alert
// acknowledged two minutes after the report: the median and the 90th
// percentile of the time to acknowledge are 120 s and all five fall in the
// "under 5 minutes" band.
func TestFiguresMeasureTimeToAcknowledge(t *testing.T) {
	t.Parallel()
	fake := fcmfake.New()
	t.Cleanup(fake.Close)
	off := func(w *apptest.World) string { return w.Staff["forceA/officer"].ID }
	app, w, clock := escalationApp(t, fake, off, off)
	reported := clock.Now()
	for i := range 5 {
		body := routineReport(w.ForceA.Code, "he wants to meet me tonight")
		body["answers"] = map[string]any{"inDangerNow": true}
		res := app.Do(t, apptest.Request{Method: http.MethodPost, Path: "/v1/reports", Body: body,
			Header: map[string]string{"Idempotency-Key": freshKey()}, RemoteAddr: fmt.Sprintf("198.51.100.%d:1234", i+1)})
		if res.Status != http.StatusCreated {
			t.Fatalf("urgent report: got %d %s", res.Status, res.Body)
		}
	}
	officer := w.Who(t, "forceA/officer").Token
	var list struct{ Items []struct{ ID string } }
	app.Get(t, "/v1/alerts", officer).Decode(t, &list)
	if len(list.Items) != 5 {
		t.Fatalf("got %d alerts, want 5", len(list.Items))
	}
	clock.Advance(2 * time.Minute)
	for _, a := range list.Items {
		if res := app.Post(t, "/v1/alerts/"+a.ID+"/ack", officer, nil); res.Status != http.StatusOK {
			t.Fatalf("ack: got %d %s", res.Status, res.Body)
		}
	}
	q := "?" + url.Values{"from": {reported.Add(-time.Hour).Format(time.RFC3339)}, "to": {reported.Add(time.Hour).Format(time.RFC3339)}}.Encode()
	var f figuresBody
	app.Get(t, "/v1/stats"+q, w.Who(t, "oversightA/commissioner").Token).Decode(t, &f)
	found := false
	for _, d := range f.Durations {
		if d.Name == "time_to_acknowledge" {
			found = d.P50Seconds != nil && *d.P50Seconds == 120
		}
	}
	if !found || f.cell("time_to_acknowledge", "under_5m") != 5.0 || f.cell("urgency", "urgent") != 5.0 {
		t.Errorf("got durations %+v, bands %v, urgent %v; want p50 120 s, 5 under 5 minutes", f.Durations,
			f.cell("time_to_acknowledge", "under_5m"), f.cell("urgency", "urgent"))
	}
}
