package handlers_test

import (
	"fmt"
	"net/http"
	"testing"

	"speaksafe/reports"
)

// Officers see in the queue which urgent reports arrived in a flood (and
// were paged in one digest with it): the first urgent reports from one
// network are listed without a flood mark, those beyond the per-network
// threshold with "flood": "network"; a routine report never has one.
func TestQueueShowsWhichUrgentReportsArrivedInAFlood(t *testing.T) {
	t.Parallel()
	app := steadyApp(t)
	w := app.NewWorld(t)
	const n = reports.DefaultFloodPerNetwork + 3
	refs := make([]string, n)
	for i := range n {
		body := routineReport(w.ForceA.Code, fmt.Sprintf("he is at my door right now %d", i))
		body["answers"] = map[string]any{"inDangerNow": true}
		res := postReport(t, app, freshKey(), body, from("198.51.100.41"))
		if res.Status != http.StatusCreated {
			t.Fatalf("urgent report %d: got %d, want 201; %s", i+1, res.Status, res.Body)
		}
		var a reportAnswer
		res.Decode(t, &a)
		refs[i] = a.Reference
	}
	var routine reportAnswer
	postReport(t, app, freshKey(), routineReport(w.ForceA.Code, "an adult keeps messaging my friend"), from("198.51.100.42")).Decode(t, &routine)

	q := app.Get(t, "/v1/cases?limit=100", w.Who(t, "forceA/officer").Token)
	if q.Status != http.StatusOK {
		t.Fatalf("GET /v1/cases: got %d; %s", q.Status, q.Body)
	}
	var page struct {
		Items []struct {
			Reference string  `json:"reference"`
			Flood     *string `json:"flood"`
		} `json:"items"`
	}
	q.Decode(t, &page)
	flood := map[string]*string{}
	for _, it := range page.Items {
		flood[it.Reference] = it.Flood
	}
	for i, ref := range refs {
		got, listed := flood[ref]
		switch {
		case !listed:
			t.Errorf("urgent report %d (%s) is not in the queue", i+1, ref)
		case i < reports.DefaultFloodPerNetwork && got != nil:
			t.Errorf("urgent report %d, within the threshold: flood %q, want none", i+1, *got)
		case i >= reports.DefaultFloodPerNetwork && (got == nil || *got != "network"):
			t.Errorf("urgent report %d, beyond the threshold: flood %v, want \"network\"", i+1, got)
		}
	}
	if got, listed := flood[routine.Reference]; !listed || got != nil {
		t.Errorf("routine report: listed %v with flood %v, want listed without one", listed, got)
	}
}
