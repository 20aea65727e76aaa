package alerts

import (
	"context"
	"errors"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"speaksafe/database"
	"speaksafe/internal/staff"
	"speaksafe/reports"
)

// Collections of this package. alerts_active stays small (only alerts still
// being dispatched) because the sweeper reads all of it.
const (
	colAlerts    = "alerts"
	colActive    = "alerts_active"
	colSteps     = "alert_steps"
	colPages     = "alert_pages"
	colAttempts  = "alert_attempts"
	colAcks      = "alert_acks"
	colReceipts  = "alert_receipts"
	colGaps      = "alert_gaps"
	colDigests   = "alert_digests"
	colPageSlots = "alert_page_slots"
)

// Indexes are what this package's queries need on a real MongoDB (the
// embedded store only indexes _id and keeps these collections small).
func Indexes() []database.Index {
	return append([]database.Index{
		{Collection: colAlerts, Keys: bson.D{{Key: "forceId", Value: 1}, {Key: "openedAt", Value: -1}}, Name: "alerts_force_opened"},
		{Collection: colActive, Keys: bson.D{{Key: "dueAt", Value: 1}}, Name: "active_due"},
		{Collection: colActive, Keys: bson.D{{Key: "forceId", Value: 1}, {Key: "openedAt", Value: 1}}, Name: "active_force_opened"},
	}, database.Collections(colAcks, colAttempts, colDigests, colListHeads, colListSlots, colListed, colPageSlots, colPages, colSteps)...)
}

// Auditor appends to the audit log (audit.Log satisfies it).
type Auditor = staff.Auditor

// Cases is what the alert engine needs from reports (reports.Store
// implements it).
type Cases interface {
	// CaseExists reports whether the case document exists.
	CaseExists(ctx context.Context, caseID string) (bool, error)
	// MarkAcknowledged moves a case from new to acknowledged by userID
	// (no-op if it is past new).
	MarkAcknowledged(ctx context.Context, caseID, userID string, at time.Time) error
	// SetAlertState records where the case's alert stands, for the queue
	// (acknowledged is final: later writes of another state are ignored).
	SetAlertState(ctx context.Context, caseID string, state reports.AlertState, at time.Time) error
	// AlertInfo returns what an alert may show of its case (reference,
	// category, urgency reasons, meeting time, flood group; never the
	// report's text). NotFound when the case does not exist.
	AlertInfo(ctx context.Context, caseID string) (reports.AlertInfo, error)
}

// errAbsent is the not-found answer of the engine's reads where a missing
// document is a normal state (no acknowledgement yet, no step stored).
var errAbsent = errors.New("alerts: not stored")
