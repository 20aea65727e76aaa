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

// Fact is what aggregate figures may know of one case: its kind, category,
// urgency, age band, school, disposition and the times of its steps. It
// holds no text, no handle, no contact detail and no officer.
type Fact struct {
	ID          string
	ForceID     string
	Kind        string // empty for a child's report; "concern" for a school's
	SchoolID    string // the school that raised a concern
	Category    Category
	Urgent      bool
	AgeBand     AgeBand
	Disposition string
	CreatedAt   time.Time
	FirstReadAt *time.Time
	AckAt       *time.Time
	ClosedAt    *time.Time
	// FirstReplyAt is when staff first wrote to the reporter; nil if never.
	FirstReplyAt *time.Time
}

type factDoc struct {
	ID             string     `bson:"_id"`
	ForceID        string     `bson:"forceId"`
	Kind           string     `bson:"kind,omitempty"`
	SchoolID       string     `bson:"schoolId,omitempty"`
	Category       Category   `bson:"category"`
	Urgent         bool       `bson:"urgent"`
	AgeBand        AgeBand    `bson:"ageBand,omitempty"`
	Disposition    string     `bson:"disposition,omitempty"`
	CreatedAt      time.Time  `bson:"createdAt"`
	FirstReadAt    *time.Time `bson:"firstReadAt,omitempty"`
	AcknowledgedAt *time.Time `bson:"acknowledgedAt,omitempty"`
	ClosedAt       *time.Time `bson:"closedAt,omitempty"`
	MessageCount   int        `bson:"messageCount,omitempty"`
}

// factFields is the projection of a fact: no sealed field is ever read.
var factFields = bson.D{{Key: "forceId", Value: 1}, {Key: "kind", Value: 1}, {Key: "schoolId", Value: 1},
	{Key: "category", Value: 1}, {Key: "urgent", Value: 1}, {Key: "ageBand", Value: 1}, {Key: "disposition", Value: 1},
	{Key: "createdAt", Value: 1}, {Key: "firstReadAt", Value: 1}, {Key: "acknowledgedAt", Value: 1},
	{Key: "closedAt", Value: 1}, {Key: "messageCount", Value: 1}}

// firstReply reads a case's thread by _id (the indexed path on both
// stores) for the time of the first message from staff.
func (s *Store) firstReply(ctx context.Context, caseID string) (*time.Time, error) {
	var t struct {
		Messages []struct {
			From Author    `bson:"from"`
			At   time.Time `bson:"at"`
		} `bson:"messages"`
	}
	// Only from and at are decoded; the sealed bodies are never opened.
	err := s.coll(collThreads).FindOne(ctx, bson.D{{Key: "_id", Value: caseID}}).Decode(&t)
	if database.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, dbErr("first reply", err)
	}
	var first *time.Time
	for _, m := range t.Messages {
		if m.From == AuthorStaff && (first == nil || m.At.Before(*first)) {
			at := m.At
			first = &at
		}
	}
	return first, nil
}

// FactIndexes serve Facts on MongoDB: the cases of some forces in a time
// range.
func FactIndexes() []database.Index {
	return []database.Index{
		{Collection: collCases, Name: "figures", Keys: bson.D{{Key: "forceId", Value: 1}, {Key: "createdAt", Value: 1}}},
	}
}

// CaseForce returns the force of case id, whoever asks: for other domains
// that scope their own objects (audit entries, referrals) by the case's
// force. NotFound when there is no such case.
func (s *Store) CaseForce(ctx context.Context, id string) (string, error) {
	var d struct {
		ForceID string `bson:"forceId"`
	}
	opts := options.FindOne().SetProjection(bson.D{{Key: "forceId", Value: 1}})
	err := s.coll(collCases).FindOne(ctx, bson.D{{Key: "_id", Value: id}}, opts).Decode(&d)
	if database.IsNotFound(err) {
		return "", fmt.Errorf("reports: case %s: %w", id, errkind.NotFound)
	}
	if err != nil {
		return "", dbErr("case force", err)
	}
	return d.ForceID, nil
}
