package handlers

import (
	"encoding/json"
	"time"

	"speaksafe/stats"
)

// publishedCount is a stats.Count on the wire: a number, or the string
// "<5" where the count is suppressed.
type publishedCount stats.Count

// MarshalJSON writes the count as a number, or "<5".
func (c publishedCount) MarshalJSON() ([]byte, error) {
	if v, ok := stats.Count(c).Value(); ok {
		return json.Marshal(v)
	}
	return []byte(`"<5"`), nil
}

type figuresCellResponse struct {
	Key   string         `json:"key"`
	Label string         `json:"label,omitempty"`
	Count publishedCount `json:"count"`
}

type figuresTableResponse struct {
	Name  string                `json:"name"`
	Cells []figuresCellResponse `json:"cells"`
	Total publishedCount        `json:"total"`
}

type figuresDurationsResponse struct {
	Name       string         `json:"name"`
	N          publishedCount `json:"n"`
	P50Seconds *int64         `json:"p50Seconds"`
	P90Seconds *int64         `json:"p90Seconds"`
}

type figuresAgencyResponse struct {
	Agency             string         `json:"agency"`
	Referrals          publishedCount `json:"referrals"`
	DecisionP50Seconds *int64         `json:"decisionP50Seconds"`
	DecisionP90Seconds *int64         `json:"decisionP90Seconds"`
	OverduePercent     *int           `json:"overduePercent"`
}

type figuresResponse struct {
	Forces               []string                   `json:"forces"`
	From                 time.Time                  `json:"from"`
	To                   time.Time                  `json:"to"`
	Cases                publishedCount             `json:"cases"`
	Tables               []figuresTableResponse     `json:"tables"`
	Durations            []figuresDurationsResponse `json:"durations"`
	Referrals            []figuresAgencyResponse    `json:"referrals"`
	RemindersOutstanding *publishedCount            `json:"remindersOutstanding"`
}

func toFigures(f stats.Figures) figuresResponse {
	out := figuresResponse{Forces: f.Forces, From: f.From, To: f.To, Cases: publishedCount(f.Cases),
		Tables: mapSlice(f.Tables, toFiguresTable), Referrals: mapSlice(f.Referrals, toFiguresAgency),
		Durations: mapSlice(f.Durations, func(d stats.Durations) figuresDurationsResponse {
			return figuresDurationsResponse{Name: d.Name, N: publishedCount(d.N), P50Seconds: d.P50Seconds, P90Seconds: d.P90Seconds}
		})}
	if r := f.RemindersOutstanding; r != nil {
		c := publishedCount(*r)
		out.RemindersOutstanding = &c
	}
	return out
}

func toFiguresTable(t stats.Table) figuresTableResponse {
	return figuresTableResponse{Name: t.Name, Total: publishedCount(t.Total),
		Cells: mapSlice(t.Cells, func(c stats.Cell) figuresCellResponse {
			return figuresCellResponse{Key: c.Key, Label: c.Label, Count: publishedCount(c.Count)}
		})}
}

func toFiguresAgency(a stats.AgencyRow) figuresAgencyResponse {
	return figuresAgencyResponse{Agency: a.Agency, Referrals: publishedCount(a.Referrals), DecisionP50Seconds: a.DecisionP50Seconds,
		DecisionP90Seconds: a.DecisionP90Seconds, OverduePercent: a.OverduePercent}
}
