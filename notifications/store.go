package notifications

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"speaksafe/accounts"
	"speaksafe/audit"
	"speaksafe/database"
	"speaksafe/errkind"
	"speaksafe/reports"
)

// Collections of this package. alerts_active stays small (only alerts still
// being dispatched) because the sweeper reads all of it.
const (
	colDevices   = "devices"
	colRotations = "oncall_rotations"
	colOverrides = "oncall_overrides"
	colPolicies  = "oncall_policies"
	colDefaults  = "oncall_defaults"
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
	return []database.Index{
		{Collection: colDevices, Keys: bson.D{{Key: "userId", Value: 1}, {Key: "_id", Value: 1}}, Name: "devices_user_id"},
		{Collection: colMoves, Keys: bson.D{{Key: "userId", Value: 1}, {Key: "movedAt", Value: -1}}, Name: "device_moves_user"},
		{Collection: colDevices, Keys: bson.D{{Key: "forceId", Value: 1}, {Key: "_id", Value: 1}}, Name: "devices_force_id"},
		{Collection: colRotations, Keys: bson.D{{Key: "forceId", Value: 1}, {Key: "createdAt", Value: 1}}, Name: "rotations_force_created"},
		{Collection: colOverrides, Keys: bson.D{{Key: "forceId", Value: 1}, {Key: "createdAt", Value: 1}, {Key: "end", Value: 1}}, Name: "overrides_force_created_end"},
		{Collection: colPolicies, Keys: bson.D{{Key: "forceId", Value: 1}, {Key: "createdAt", Value: 1}}, Name: "policies_force_created"},
		{Collection: colOverrides, Keys: bson.D{{Key: "forceId", Value: 1}, {Key: "end", Value: 1}}, Name: "overrides_force_end"},
		{Collection: colOverrides, Keys: bson.D{{Key: "end", Value: 1}}, Name: "overrides_end"},
		{Collection: colAlerts, Keys: bson.D{{Key: "forceId", Value: 1}, {Key: "openedAt", Value: -1}}, Name: "alerts_force_opened"},
		{Collection: colActive, Keys: bson.D{{Key: "dueAt", Value: 1}}, Name: "active_due"},
		{Collection: colActive, Keys: bson.D{{Key: "forceId", Value: 1}, {Key: "openedAt", Value: 1}}, Name: "active_force_opened"},
	}
}

// Users is what this package needs from accounts: whether a member of staff
// exists, belongs to a force and is still allowed to be paged. The
// accounts.Store satisfies it (LookupUser ignores the caller, for work that
// runs without one).
type Users interface {
	LookupUser(ctx context.Context, id string) (accounts.User, error)
}

// Auditor appends to the audit log (audit.Log satisfies it).
type Auditor interface {
	Record(ctx context.Context, e audit.Entry) error
}

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

func newID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// TokenID is the device id of an FCM token: a hash, so that a token seen
// again finds its device by _id and ids in URLs reveal nothing.
func TokenID(token string) string {
	sum := sha256.Sum256([]byte("speaksafe-device:" + token))
	return hex.EncodeToString(sum[:16])
}

// staffCaller returns the caller, requiring a force member.
func staffCaller(ctx context.Context) (accounts.Caller, error) {
	c, ok := accounts.CallerFrom(ctx)
	if !ok {
		return accounts.Caller{}, fmt.Errorf("notifications: no caller: %w", errkind.Unauthorized)
	}
	if c.OrgKind == accounts.OrgAgency {
		// An agency owns its rotations, policies and devices as a force
		// does: within this package ForceID names the owning organisation.
		c.ForceID = c.OrgID
	}
	if c.ForceID == "" {
		return accounts.Caller{}, fmt.Errorf("notifications: caller has no force: %w", errkind.NotFound)
	}
	return c, nil
}

// activeStaff reports whether user id belongs to force and may be paged.
// Unknown users are simply not active.
func activeStaff(ctx context.Context, users Users, id, forceID string) (accounts.User, bool, error) {
	u, err := users.LookupUser(ctx, id)
	if errors.Is(err, errkind.NotFound) {
		return accounts.User{}, false, nil
	}
	if err != nil {
		return accounts.User{}, false, err
	}
	return u, !u.Disabled && forceOf(u) == forceID, nil
}

// forceOf is the organisation a user may be paged for: only members of
// the force itself (school staff in its area are never on call), or of an
// agency, which owns its on-call like a force.
func forceOf(u accounts.User) string {
	if u.OrgKind == accounts.OrgForce || u.OrgKind == accounts.OrgAgency {
		return u.OrgID
	}
	return ""
}
