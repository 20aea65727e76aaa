package reports

import (
	"context"
	"fmt"
	"time"

	"speaksafe/database"
	"speaksafe/errkind"
)

// ReporterView is what a young person sees of their case: never the
// officers' names, notes, disposition or anything they did not write.
type ReporterView struct {
	Reference string
	Category  Category
	Status    Status
	CreatedAt time.Time
	// ReadAt is when an officer first opened the case; nil until then.
	ReadAt   *time.Time
	ClosedAt *time.Time
	// Outcome is the closing message the officer chose to send, if any.
	Outcome  string
	Messages []Message
}

func (s *Store) reporterCase(ctx context.Context) (*caseDoc, error) {
	id, ok := ReporterCaseFrom(ctx)
	if !ok {
		return nil, fmt.Errorf("reports: no reporter session: %w", errkind.Unauthorized)
	}
	return s.loadCase(ctx, id)
}

// loadCase reads a case by _id alone (the only filter the embedded store
// answers from its index) and brings it up to its newest version (see
// caseevents.go). Callers apply scope checks themselves.
func (s *Store) loadCase(ctx context.Context, id string) (*caseDoc, error) {
	d, err := database.FindByID[caseDoc](ctx, s.coll(collCases), id, fmt.Errorf("reports: case %s: %w", id, errkind.NotFound))
	if err != nil {
		return nil, err
	}
	return s.catchUp(ctx, &d)
}

// ReporterCase returns the case of the reporter session in ctx.
func (s *Store) ReporterCase(ctx context.Context) (ReporterView, error) {
	d, err := s.reporterCase(ctx)
	if err != nil {
		return ReporterView{}, err
	}
	if unreadByReporter(d) {
		if d, err = s.markReadByReporter(ctx, d.ID); err != nil {
			return ReporterView{}, err
		}
	}
	t, err := s.loadThread(ctx, d)
	if err != nil {
		return ReporterView{}, err
	}
	msgs, err := s.openMessages(d.ID, t.Messages, false)
	if err != nil {
		return ReporterView{}, err
	}
	outcome, err := s.openString(d.ID, fieldOutcome, d.Outcome)
	if err != nil {
		return ReporterView{}, err
	}
	return ReporterView{
		Reference: d.Reference, Category: d.Category, Status: d.Status, CreatedAt: d.CreatedAt,
		ReadAt: d.FirstReadAt, ClosedAt: d.ClosedAt, Outcome: outcome, Messages: msgs,
	}, nil
}

// AddReporterMessage adds a message from the reporter to their case. A
// closed case takes no more messages: the app offers a new report instead.
func (s *Store) AddReporterMessage(ctx context.Context, body string) (Message, error) {
	body, err := checkBody("body", body, MaxMessage)
	if err != nil {
		return Message{}, err
	}
	id, ok := ReporterCaseFrom(ctx)
	if !ok {
		return Message{}, fmt.Errorf("reports: no reporter session: %w", errkind.Unauthorized)
	}
	e, err := s.newEntry(id, AuthorReporter, "", body, messageField)
	if err != nil {
		return Message{}, err
	}
	_, _, err = s.update(ctx, id, caseUpdate{action: "case.reporter_message", list: listMessages, entry: &e,
		apply: func(next *caseDoc) (bool, error) {
			if next.Status == StatusClosed {
				return false, conflict("This case is closed. If something else has happened, please make a new report.")
			}
			next.ReporterMessageAt = &e.At
			return true, nil
		},
		audit: func(cur, _ *caseDoc) error {
			return s.audit(ctx, ReporterActor, "case.reporter_message", cur.ID, map[string]string{"messageId": e.ID})
		}})
	if err != nil {
		return Message{}, err
	}
	return Message{ID: e.ID, From: AuthorReporter, At: e.At, Body: body}, nil
}

// ReporterActor is the actor of audit entries the young person caused: it
// names nobody, so that the log identifies no reporter.
const ReporterActor = "reporter"

// unreadByReporter reports whether an officer wrote since the reporter
// last saw case d.
func unreadByReporter(d *caseDoc) bool {
	return d.StaffMessageAt != nil && (d.ReporterReadAt == nil || d.ReporterReadAt.Before(*d.StaffMessageAt))
}

// markReadByReporter records that the reporter saw the officers' messages
// of case id so far (audited as case.messages_read_by_reporter).
func (s *Store) markReadByReporter(ctx context.Context, id string) (*caseDoc, error) {
	_, d, err := s.update(ctx, id, caseUpdate{action: "case.reporter_read", actor: ReporterActor,
		apply: func(next *caseDoc) (bool, error) {
			if !unreadByReporter(next) {
				return false, nil
			}
			at := next.UpdatedAt
			next.ReporterReadAt = &at
			return true, nil
		},
		audit: func(cur, _ *caseDoc) error {
			return s.audit(ctx, ReporterActor, "case.messages_read_by_reporter", cur.ID,
				map[string]string{"through": cur.StaffMessageAt.UTC().Format(time.RFC3339Nano)})
		}})
	return d, err
}
