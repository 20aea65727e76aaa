package reports

import (
	"cmp"
	"context"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"speaksafe/database"
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
// force to its caller), oldest first. They come from this instance's copy
// of the queue entries (queueview.go), brought up to date with every
// instance's changes first, so a request reads no collection whole.
func (s *Store) OpenCases(ctx context.Context, forceID string) ([]CaseTimes, error) {
	entries, _, err := s.forceQueue(ctx, forceID)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(entries, func(a, b queueEntry) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.ID, b.ID))
	})
	out := make([]CaseTimes, 0, min(len(entries), MaxOpenCases))
	for i := range entries {
		e := &entries[i]
		if e.Status == StatusClosed {
			continue
		}
		if len(out) == MaxOpenCases {
			break
		}
		t, err := s.caseTimesOf(ctx, e)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

// caseTimesOf answers entry e's times. An entry written before entries
// kept the case's last change (a zero UpdatedAt) has the case read by _id
// for them, until the case's next change writes its entry again.
func (s *Store) caseTimesOf(ctx context.Context, e *queueEntry) (CaseTimes, error) {
	t := CaseTimes{ID: e.ID, Reference: e.Reference, ForceID: e.ForceID, Urgent: e.Urgent, Status: e.Status,
		AssignedTo: e.AssignedTo, CreatedAt: e.CreatedAt, UpdatedAt: e.UpdatedAt, FirstReadAt: e.FirstReadAt,
		ReporterMessageAt: e.ReporterMessageAt, StaffReadAt: e.StaffReadAt}
	if !e.UpdatedAt.IsZero() {
		return t, nil
	}
	var d caseDoc
	err := s.coll(collCases).FindOne(ctx, bson.D{{Key: "_id", Value: e.ID}}, options.FindOne().SetProjection(bson.D{
		{Key: "updatedAt", Value: 1}, {Key: "staffReadAt", Value: 1}})).Decode(&d)
	switch {
	case database.IsNotFound(err):
		// An entry written ahead of its case (a submission in flight).
		t.UpdatedAt = e.CreatedAt
		return t, nil
	case err != nil:
		return t, dbErr("open case times", err)
	}
	t.UpdatedAt, t.StaffReadAt = d.UpdatedAt, d.StaffReadAt
	return t, nil
}

// OpenForces returns the forces that have open cases, for the reminder
// worker: from this instance's copy of the queue entries, like OpenCases.
func (s *Store) OpenForces(ctx context.Context) ([]string, error) {
	return s.queueForces(ctx)
}
