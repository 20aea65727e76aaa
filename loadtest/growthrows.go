package main

import (
	"context"
	"fmt"
	"io"
	"net/http"

	"speaksafe/internal/harness"
)

// growthGoal is issue 14's bound: each p50 at the largest step at most 1.5
// times its p50 at the smallest.
const growthGoal = 1.5

// sessionOpen: POST /v1/reports/session, a child opening their case with
// reference and receipt (a keyed hash, a lookup and a session write).
func (e *env) sessionOpen(ctx context.Context, forceCode string, cases int) result {
	name := "session opening POST /v1/reports/session"
	receipts := make([]harness.Receipt, 0, cases)
	for range cases {
		status, rc, err := e.client.SubmitReport(ctx, harness.ReportBody(forceCode, false, ""), "lt-"+harness.RandomHex(16))
		if err != nil || status != http.StatusCreated {
			return result{Name: name, Note: fmt.Sprintf("set-up failed: report %d %v", status, err)}
		}
		receipts = append(receipts, rc)
	}
	return e.closedLoop(ctx, name, e.conc, e.dur, func(ctx context.Context, w int) error {
		_, err := e.client.ReporterSession(ctx, receipts[w%len(receipts)])
		return err
	})
}

// officerCase: GET /v1/cases/{id}, an officer opening a case from the first
// page of the queue (every read is audited: a read and an append).
func (e *env) officerCase(ctx context.Context, token string) result {
	name := "officer case view GET /v1/cases/{id}"
	var page struct {
		Items []harness.CaseSummary `json:"items"`
	}
	if err := e.client.JSON(ctx, harness.Request{Method: http.MethodGet, Path: "/v1/cases?limit=25", Token: token}, http.StatusOK, &page); err != nil || len(page.Items) == 0 {
		return result{Name: name, Note: fmt.Sprintf("set-up failed: queue %v, %d cases", err, len(page.Items))}
	}
	return e.closedLoop(ctx, name, e.conc, e.dur, func(ctx context.Context, w int) error {
		id := page.Items[w%len(page.Items)].ID
		res, err := e.client.Do(ctx, harness.Request{Method: http.MethodGet, Path: "/v1/cases/" + id, Token: token})
		return expect(res, err, http.StatusOK)
	})
}

// alertList: GET /v1/alerts, the force's alert list.
func (e *env) alertList(ctx context.Context, token string) result {
	return e.closedLoop(ctx, "alert list GET /v1/alerts", e.conc, e.dur, func(ctx context.Context, _ int) error {
		res, err := e.client.Do(ctx, harness.Request{Method: http.MethodGet, Path: "/v1/alerts", Token: token})
		return expect(res, err, http.StatusOK)
	})
}

// growthStep is one growth step's rows, by scenario name.
type growthStep struct {
	cases int64
	rows  []result
}

// printGrowthRatios writes each scenario's p50 at the last step against its
// p50 at the first, with ✓ when within growthGoal.
func printGrowthRatios(w io.Writer, steps []growthStep) {
	if len(steps) < 2 {
		return
	}
	first, last := steps[0], steps[len(steps)-1]
	fmt.Fprintf(w, "\n### p50 at %d stored cases against %d (goal ≤ %.1f×)\n\n", last.cases, first.cases, growthGoal)
	fmt.Fprintln(w, "| scenario | p50 ms at first | p50 ms at last | ratio | goal |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---|")
	for i, r := range last.rows {
		if i >= len(first.rows) || len(r.Lats) == 0 || len(first.rows[i].Lats) == 0 {
			continue
		}
		a, b := first.rows[i].pct(0.5), r.pct(0.5)
		ratio := float64(b) / float64(max(a, 1))
		mark := "✓"
		if ratio > growthGoal {
			mark = "✗"
		}
		fmt.Fprintf(w, "| %s | %s | %s | %.2f× | %s |\n", r.Name, ms(a), ms(b), ratio, mark)
	}
}
