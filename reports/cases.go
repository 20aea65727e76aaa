package reports

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"speaksafe/accounts"
	"speaksafe/errkind"
)

// CaseDetail is a case opened by an officer of its force: decrypted.
type CaseDetail struct {
	CaseSummary
	Answers        Answers
	WhatHappened   string
	Identified     bool
	Contact        *Contact
	AcknowledgedAt *time.Time
	AcknowledgedBy string
	FirstReadBy    string
	Disposition    Disposition
	Outcome        string
	ClosedAt       *time.Time
	ClosedBy       string
	Messages       []Message
	Notes          []Note
}

// handlerFrom returns the caller when they may handle cases: an officer or
// supervisor of a police force. Anyone else gets NotFound, the same answer
// as for a case of another force, so that nothing about cases leaks.
func handlerFrom(ctx context.Context) (accounts.Caller, error) {
	c, ok := accounts.CallerFrom(ctx)
	if !ok || c.OrgKind != accounts.OrgForce || c.ForceID == "" ||
		(c.Role != accounts.RoleOfficer && c.Role != accounts.RoleSupervisor) {
		return accounts.Caller{}, fmt.Errorf("reports: cases: %w", errkind.NotFound)
	}
	return c, nil
}

// caseFor reads case id for the caller in ctx, or NotFound when it is not a
// case of the caller's force. The scope check is here and not in the filter
// because the embedded store only uses its index for a filter of {_id}
// alone; this function is the one way staff code reaches a case.
func (s *Store) caseFor(ctx context.Context, id string) (accounts.Caller, *caseDoc, error) {
	caller, err := handlerFrom(ctx)
	if err != nil {
		return caller, nil, err
	}
	d, err := s.loadCase(ctx, id)
	if err != nil {
		return caller, nil, err
	}
	if d.ForceID != caller.ForceID {
		return caller, nil, fmt.Errorf("reports: case %s: %w", id, errkind.NotFound)
	}
	return caller, d, nil
}

func (s *Store) audit(ctx context.Context, actor, action, caseID string, detail map[string]string) error {
	err := s.cfg.Audit.Record(ctx, AuditEvent{Actor: actor, Action: action, ObjectType: "case", ObjectID: caseID, Detail: detail})
	if err != nil {
		return fmt.Errorf("reports: audit %s: %w", action, err)
	}
	return nil
}

// Case opens case id for an officer of its force. Every open is written to
// the audit log first: if that fails, the case is not shown. The first open
// records when and by whom the case was read, which the reporter sees.
func (s *Store) Case(ctx context.Context, id string) (CaseDetail, error) {
	caller, d, err := s.caseFor(ctx, id)
	if err != nil {
		return CaseDetail{}, err
	}
	if err := s.audit(ctx, caller.UserID, "case.opened", d.ID, nil); err != nil {
		return CaseDetail{}, err
	}
	if d.FirstReadAt == nil {
		if d, err = s.markRead(ctx, caller.UserID, d.ID); err != nil {
			return CaseDetail{}, err
		}
	}
	return s.detail(ctx, d)
}

func (s *Store) markRead(ctx context.Context, userID, id string) (*caseDoc, error) {
	unlock := s.lock(id)
	defer unlock()
	d, err := s.loadCase(ctx, id)
	if err != nil || d.FirstReadAt != nil {
		return d, err
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	if err := s.touch(ctx, id, bson.D{{Key: "firstReadAt", Value: now}, {Key: "firstReadBy", Value: userID}}); err != nil {
		return nil, err
	}
	d.FirstReadAt, d.FirstReadBy = &now, userID
	return d, s.syncIndex(ctx, d)
}

func (s *Store) detail(ctx context.Context, d *caseDoc) (CaseDetail, error) {
	out := CaseDetail{
		CaseSummary: summary(d), Identified: d.Identified,
		AcknowledgedAt: d.AcknowledgedAt, AcknowledgedBy: d.AcknowledgedBy, FirstReadBy: d.FirstReadBy,
		Disposition: Disposition(d.Disposition), ClosedAt: d.ClosedAt, ClosedBy: d.ClosedBy,
		Answers: Answers{
			InDangerNow: d.InDangerNow, HappeningNow: d.HappeningNow, MeetingPlanned: d.MeetingPlanned,
			MeetingAt: d.MeetingAt, KnowsWhereILive: d.KnowsWhereILive, AgeBand: d.AgeBand,
		},
	}
	var err error
	if out.WhatHappened, err = s.openString(d.ID, fieldWhatHappened, d.WhatHappened); err != nil {
		return CaseDetail{}, err
	}
	if out.Outcome, err = s.openString(d.ID, fieldOutcome, d.Outcome); err != nil {
		return CaseDetail{}, err
	}
	if err := s.openJSON(d.ID, fieldHandles, d.Handles, &out.Answers.Handles); err != nil {
		return CaseDetail{}, err
	}
	if d.Contact != "" {
		out.Contact = &Contact{}
		if err := s.openJSON(d.ID, fieldContact, d.Contact, out.Contact); err != nil {
			return CaseDetail{}, err
		}
	}
	t, err := s.loadThread(ctx, d.ID)
	if err != nil {
		return CaseDetail{}, err
	}
	if out.Messages, err = s.openMessages(d.ID, t.Messages, true); err != nil {
		return CaseDetail{}, err
	}
	if out.Notes, err = s.openNotes(d.ID, t.Notes); err != nil {
		return CaseDetail{}, err
	}
	return out, nil
}

// AddStaffMessage sends a message from the caller to the reporter of case id.
func (s *Store) AddStaffMessage(ctx context.Context, id, body string) (Message, error) {
	body, err := checkBody("body", body, MaxMessage)
	if err != nil {
		return Message{}, err
	}
	unlock := s.lock(id)
	defer unlock()
	caller, d, err := s.caseFor(ctx, id)
	if err != nil {
		return Message{}, err
	}
	e, err := s.newEntry(d.ID, AuthorStaff, caller.UserID, body, messageField)
	if err != nil {
		return Message{}, err
	}
	if err := s.audit(ctx, caller.UserID, "case.message_sent", d.ID, map[string]string{"messageId": e.ID}); err != nil {
		return Message{}, err
	}
	if err := s.appendEntry(ctx, d.ID, "messages", e, MaxMessagesPerCase); err != nil {
		return Message{}, err
	}
	if err := s.touch(ctx, d.ID, nil); err != nil {
		return Message{}, err
	}
	return Message{ID: e.ID, From: AuthorStaff, By: caller.UserID, At: e.At, Body: body}, nil
}

// AddNote adds a private note to case id; the reporter never sees notes.
func (s *Store) AddNote(ctx context.Context, id, body string) (Note, error) {
	body, err := checkBody("body", body, MaxNote)
	if err != nil {
		return Note{}, err
	}
	unlock := s.lock(id)
	defer unlock()
	caller, d, err := s.caseFor(ctx, id)
	if err != nil {
		return Note{}, err
	}
	e, err := s.newEntry(d.ID, "", caller.UserID, body, noteField)
	if err != nil {
		return Note{}, err
	}
	if err := s.audit(ctx, caller.UserID, "case.note_added", d.ID, map[string]string{"noteId": e.ID}); err != nil {
		return Note{}, err
	}
	if err := s.appendEntry(ctx, d.ID, "notes", e, MaxNotesPerCase); err != nil {
		return Note{}, err
	}
	return Note{ID: e.ID, By: caller.UserID, At: e.At, Body: body}, nil
}

// Assign gives case id to user userID (an officer or supervisor of the
// case's force), or takes it from whoever has it when userID is empty.
func (s *Store) Assign(ctx context.Context, id, userID string) error {
	unlock := s.lock(id)
	defer unlock()
	caller, d, err := s.caseFor(ctx, id)
	if err != nil {
		return err
	}
	if userID != "" {
		ok, err := s.cfg.Handlers.CanHandle(ctx, d.ForceID, userID)
		if err != nil {
			return fmt.Errorf("reports: assign: %w", err)
		}
		if !ok {
			return errkind.Invalid("userId", "must be an officer or supervisor of this force")
		}
	}
	if err := s.audit(ctx, caller.UserID, "case.assigned", d.ID, map[string]string{"assignee": userID}); err != nil {
		return err
	}
	if err := s.touch(ctx, d.ID, bson.D{{Key: "assignedTo", Value: userID}}); err != nil {
		return err
	}
	d.AssignedTo = userID
	return s.syncIndex(ctx, d)
}
