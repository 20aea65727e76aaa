package reports

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// CaseTimes is when things last happened to an open case: what reminders
// are computed from. No text, no contact details.
type CaseTimes struct {
	ID         string
	Reference  string
	ForceID    string
	Urgent     bool
	Status     Status
	AssignedTo string
	CreatedAt  time.Time
	// UpdatedAt is the time of the case's last change (any transition,
	// message or note).
	UpdatedAt   time.Time
	FirstReadAt *time.Time
	// ReporterMessageAt is the reporter's last message; StaffReadAt when an
	// officer last opened the case after one.
	ReporterMessageAt *time.Time
	StaffReadAt       *time.Time
}

// MaxOpenCases bounds the open cases one force's reminders read.
const MaxOpenCases = 5000

// OpenCases returns the cases of force forceID that are not closed, for
// the reminders (a worker with no caller, or a handler that scoped the
// force to its caller). The query is the queue index's prefix.
func (s *Store) OpenCases(ctx context.Context, forceID string) ([]CaseTimes, error) {
	filter := bson.D{{Key: "forceId", Value: forceID}, {Key: "status", Value: bson.D{{Key: "$ne", Value: StatusClosed}}}}
	cur, err := s.coll(collCases).Find(ctx, filter, options.Find().SetLimit(MaxOpenCases).SetProjection(bson.D{
		{Key: "reference", Value: 1}, {Key: "forceId", Value: 1}, {Key: "urgent", Value: 1}, {Key: "status", Value: 1},
		{Key: "assignedTo", Value: 1}, {Key: "createdAt", Value: 1}, {Key: "updatedAt", Value: 1}, {Key: "firstReadAt", Value: 1},
		{Key: "reporterMessageAt", Value: 1}, {Key: "staffReadAt", Value: 1}, {Key: "version", Value: 1},
	}))
	if err != nil {
		return nil, dbErr("open cases", err)
	}
	var docs []caseDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, dbErr("open cases", err)
	}
	out := make([]CaseTimes, 0, len(docs))
	for _, d := range docs {
		out = append(out, CaseTimes{ID: d.ID, Reference: d.Reference, ForceID: d.ForceID, Urgent: d.Urgent, Status: d.Status,
			AssignedTo: d.AssignedTo, CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt, FirstReadAt: d.FirstReadAt,
			ReporterMessageAt: d.ReporterMessageAt, StaffReadAt: d.StaffReadAt})
	}
	return out, nil
}

// OpenForces returns the forces that have open cases, for the reminder
// worker.
func (s *Store) OpenForces(ctx context.Context) ([]string, error) {
	out, err := s.coll(collCases).Distinct(ctx, "forceId", bson.D{{Key: "status", Value: bson.D{{Key: "$ne", Value: StatusClosed}}}}).Raw()
	if err != nil {
		return nil, dbErr("open forces", err)
	}
	vals, err := out.Values()
	if err != nil {
		return nil, dbErr("open forces", err)
	}
	ids := make([]string, 0, len(vals))
	for _, v := range vals {
		if s, ok := v.StringValueOK(); ok {
			ids = append(ids, s)
		}
	}
	return ids, nil
}
