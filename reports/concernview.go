package reports

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"speaksafe/accounts"
	"speaksafe/errkind"
)

// ConcernStatus is where a concern stands, as its school sees it.
type ConcernStatus string

// Concern statuses, in order.
const (
	ConcernReceived         ConcernStatus = "received"
	ConcernAcknowledged     ConcernStatus = "acknowledged"
	ConcernReferred         ConcernStatus = "referred"
	ConcernDecisionRecorded ConcernStatus = "decision_recorded"
	ConcernClosed           ConcernStatus = "closed"
)

// ConcernView is a concern as its school sees it: its status and the
// pupil's first name and year group, never the police case (no officer
// notes, messages, assignee or alert state).
type ConcernView struct {
	ID, Reference  string
	Status         ConcernStatus
	RaisedAt       time.Time
	RaisedBy       string
	ObservedAt     time.Time
	PupilFirstName string
	YearGroup      string
	ReferToMash    bool
	AcknowledgedAt *time.Time
	Referral       ReferralProgress
	ClosedAt       *time.Time
	// Outcome is the line the force wrote on closing, meant for the school.
	Outcome string
}

// ConcernDetail is what an officer of the force sees of a concern, beside
// the case: the school, who raised it and the pupil, decrypted.
type ConcernDetail struct {
	SchoolID    string
	RaisedBy    string
	ObservedAt  time.Time
	ParentsKnow bool
	ReferToMash bool
	Pupil       Pupil
}

// concernDetail opens the concern fields of case d; nil for a report.
func (s *Store) concernDetail(d *caseDoc) (*ConcernDetail, error) {
	if d.Kind != KindConcern || d.Concern == nil {
		return nil, nil
	}
	c := d.Concern
	out := &ConcernDetail{SchoolID: c.SchoolID, RaisedBy: c.RaisedBy, ObservedAt: c.ObservedAt,
		ParentsKnow: c.ParentsKnow, ReferToMash: c.ReferToMash}
	var err error
	if out.Pupil, err = s.openPupil(d.ID, c.Pupil); err != nil {
		return nil, err
	}
	return out, nil
}

// mayReadConcern reports whether the caller may see concern d: staff of
// its school, the safeguarding lead every one of them and other staff the
// ones they raised.
func mayReadConcern(caller accounts.Caller, d *caseDoc) bool {
	if d.Kind != KindConcern || d.Concern == nil || d.Concern.SchoolID != caller.OrgID {
		return false
	}
	return caller.Role == accounts.RoleSafeguardingLead || d.Concern.RaisedBy == caller.UserID
}

// SchoolConcern returns concern id for the school staff in ctx; NotFound
// for anyone else and for any other case. Every read is audited.
func (s *Store) SchoolConcern(ctx context.Context, id string) (ConcernView, error) {
	caller, err := concernRaiser(ctx)
	if err != nil {
		return ConcernView{}, err
	}
	d, err := s.loadCase(ctx, id)
	if err != nil {
		return ConcernView{}, err
	}
	if !mayReadConcern(caller, d) {
		return ConcernView{}, fmt.Errorf("reports: concern %s: %w", id, errkind.NotFound)
	}
	if err := s.audit(ctx, caller.UserID, "case.concern_viewed", d.ID, nil); err != nil {
		return ConcernView{}, err
	}
	return s.concernView(ctx, d)
}

func (s *Store) concernView(ctx context.Context, d *caseDoc) (ConcernView, error) {
	c := d.Concern
	out := ConcernView{ID: d.ID, Reference: d.Reference, RaisedAt: d.CreatedAt, RaisedBy: c.RaisedBy,
		ObservedAt: c.ObservedAt, ReferToMash: c.ReferToMash, AcknowledgedAt: d.AcknowledgedAt}
	p, err := s.openPupil(d.ID, c.Pupil)
	if err != nil {
		return ConcernView{}, err
	}
	out.PupilFirstName, out.YearGroup = p.FirstName, p.YearGroup
	prog, err := s.referralProgress(ctx, d.ID)
	if err != nil {
		return ConcernView{}, fmt.Errorf("reports: concern referral: %w", err)
	}
	out.Referral = prog
	switch {
	case d.Status == StatusClosed:
		out.Status, out.ClosedAt = ConcernClosed, d.ClosedAt
		if out.Outcome, err = s.openString(d.ID, fieldOutcome, d.Outcome); err != nil {
			return ConcernView{}, err
		}
	case prog.DecidedAt != nil:
		out.Status = ConcernDecisionRecorded
	case prog.ReferredAt != nil:
		out.Status = ConcernReferred
	case d.Status == StatusAcknowledged || d.Status == StatusInProgress:
		out.Status = ConcernAcknowledged
	default:
		out.Status = ConcernReceived
	}
	return out, nil
}

// Page sizes of a school's concern list.
const (
	DefaultConcernLimit = 25
	MaxConcernLimit     = 100
)

// ConcernPage is one page of a school's concerns, newest first;
// NextCursor is empty on the last page.
type ConcernPage struct {
	Concerns   []ConcernView
	NextCursor string
}

// SchoolConcerns lists the concerns of the caller's school that they may
// see (the safeguarding lead every one, other staff their own), newest
// first, limit (1–100, 0 for the default) per page after cursor.
func (s *Store) SchoolConcerns(ctx context.Context, cursorText string, limit int) (ConcernPage, error) {
	caller, err := concernRaiser(ctx)
	if err != nil {
		return ConcernPage{}, err
	}
	v := &errkind.ValidationError{}
	v.Check(limit < 0 || limit > MaxConcernLimit, "limit", "must be between 1 and 100")
	var cur cursor
	if cursorText != "" {
		cur, err = decodeCursor(cursorText)
		v.Check(err != nil || cur.Kind != cursorConcerns, "cursor", "is not a cursor this server gave out for this view")
	}
	if err := v.Err(); err != nil {
		return ConcernPage{}, err
	}
	if limit == 0 {
		limit = DefaultConcernLimit
	}
	entries, err := s.concernEntries(ctx, caller, cursorText != "", cur, limit+1)
	if err != nil {
		return ConcernPage{}, err
	}
	page := ConcernPage{Concerns: []ConcernView{}}
	for i, e := range entries {
		if i == limit {
			last := entries[i-1]
			page.NextCursor = encodeCursor(cursor{Kind: cursorConcerns, CreatedAt: last.CreatedAt, ID: last.ID})
			break
		}
		d, err := s.loadCase(ctx, e.ID)
		if errors.Is(err, errkind.NotFound) {
			continue // deleted by retention between the two reads
		}
		if err != nil {
			return ConcernPage{}, err
		}
		if !mayReadConcern(caller, d) {
			continue
		}
		view, err := s.concernView(ctx, d)
		if err != nil {
			return ConcernPage{}, err
		}
		page.Concerns = append(page.Concerns, view)
	}
	return page, nil
}

// cursorConcerns is the cursor kind of a school's concern list.
const cursorConcerns = "s"

// concernEntries reads up to n list entries of the caller's school (only
// their own for staff who are not the lead), newest first, after cur.
func (s *Store) concernEntries(ctx context.Context, caller accounts.Caller, after bool, cur cursor, n int) ([]schoolConcernEntry, error) {
	filter := bson.D{{Key: "schoolId", Value: caller.OrgID}}
	if caller.Role != accounts.RoleSafeguardingLead {
		filter = append(filter, bson.E{Key: "raisedBy", Value: caller.UserID})
	}
	if after {
		filter = append(filter, bson.E{Key: "$or", Value: bson.A{
			bson.D{{Key: "createdAt", Value: bson.D{{Key: "$lt", Value: cur.CreatedAt}}}},
			bson.D{{Key: "createdAt", Value: cur.CreatedAt}, {Key: "_id", Value: bson.D{{Key: "$lt", Value: cur.ID}}}},
		}})
	}
	opts := options.Find().SetSort(bson.D{{Key: "createdAt", Value: -1}, {Key: "_id", Value: -1}}).SetLimit(int64(n))
	c, err := s.coll(collSchoolConcerns).Find(ctx, filter, opts)
	if err != nil {
		return nil, dbErr("school concerns", err)
	}
	var out []schoolConcernEntry
	if err := c.All(ctx, &out); err != nil {
		return nil, dbErr("school concerns", err)
	}
	return out, nil
}
