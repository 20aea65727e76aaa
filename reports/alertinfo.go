package reports

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"speaksafe/database"
	"speaksafe/errkind"
)

// AlertInfo is what an urgent alert may say of its case: enough for an
// officer to triage from a lock screen, never the report's text.
type AlertInfo struct {
	CaseID    string
	ForceID   string
	Reference string
	Category  Category
	Reasons   []Reason
	MeetingAt *time.Time
	// FloodGroup is set when the report arrived beyond a flood threshold:
	// reports sharing it are paged as one digest. It is a random id, never
	// derived from a client address.
	FloodGroup string
	// FloodKind says which threshold: FloodNetwork or FloodForce.
	FloodKind FloodKind
	// Closed is true once the case is closed.
	Closed bool
}

// AlertFlood is the flood marking of an urgent case as its alert opens:
// empty when the case is paged on its own.
type AlertFlood struct {
	Group string
	Kind  FloodKind
}

// FloodKind names the threshold that put a report in a flood group.
type FloodKind string

// Flood kinds.
const (
	FloodNetwork FloodKind = "network"
	FloodForce   FloodKind = "force"
)

// alertInfoDoc is the projection of a case that AlertInfo reads.
type alertInfoDoc struct {
	ID            string     `bson:"_id"`
	ForceID       string     `bson:"forceId"`
	Reference     string     `bson:"reference"`
	Category      Category   `bson:"category"`
	UrgentReasons []Reason   `bson:"urgentReasons,omitempty"`
	MeetingAt     *time.Time `bson:"meetingAt,omitempty"`
	FloodGroup    string     `bson:"floodGroup,omitempty"`
	FloodKind     FloodKind  `bson:"floodKind,omitempty"`
	Status        Status     `bson:"status"`
}

// AlertInfo returns what the alert of case caseID may show. It is for the
// alert engine, which has already scoped the alert to its force.
func (s *Store) AlertInfo(ctx context.Context, caseID string) (AlertInfo, error) {
	var d alertInfoDoc
	err := s.coll(collCases).FindOne(ctx, bson.D{{Key: "_id", Value: caseID}},
		options.FindOne().SetProjection(bson.D{
			{Key: "forceId", Value: 1}, {Key: "reference", Value: 1}, {Key: "category", Value: 1},
			{Key: "urgentReasons", Value: 1}, {Key: "meetingAt", Value: 1},
			{Key: "floodGroup", Value: 1}, {Key: "floodKind", Value: 1}, {Key: "status", Value: 1},
		})).Decode(&d)
	if database.IsNotFound(err) {
		return AlertInfo{}, fmt.Errorf("reports: alert info: %w", errkind.NotFound)
	}
	if err != nil {
		return AlertInfo{}, dbErr("alert info", err)
	}
	return AlertInfo{CaseID: d.ID, ForceID: d.ForceID, Reference: d.Reference, Category: d.Category,
		Reasons: d.UrgentReasons, MeetingAt: d.MeetingAt, FloodGroup: d.FloodGroup, FloodKind: d.FloodKind,
		Closed: d.Status == StatusClosed}, nil
}
