package reports

import (
	"context"
	"fmt"
	"strings"
	"time"

	"speaksafe/accounts"
	"speaksafe/audit"
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
	// Concern holds a school concern's own fields; nil for a report.
	Concern *ConcernDetail
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
// alone; this function and inForce are the one way staff code reaches a case.
func (s *Store) caseFor(ctx context.Context, id string) (accounts.Caller, *caseDoc, error) {
	caller, err := handlerFrom(ctx)
	if err != nil {
		return caller, nil, err
	}
	d, err := s.loadCase(ctx, id)
	if err != nil {
		return caller, nil, err
	}
	if err := inForce(caller)(d); err != nil {
		return caller, nil, err
	}
	return caller, d, nil
}

// inForce refuses, as NotFound, a case of another force than the caller's.
func inForce(caller accounts.Caller) func(*caseDoc) error {
	return func(d *caseDoc) error {
		if d.ForceID != caller.ForceID {
			return fmt.Errorf("reports: case %s: %w", d.ID, errkind.NotFound)
		}
		return nil
	}
}

func (s *Store) audit(ctx context.Context, actor, action, caseID string, detail map[string]string) error {
	err := s.cfg.Audit.Record(ctx, audit.Entry{Actor: actor, Action: action, ObjectType: "case", ObjectID: caseID, Detail: detail})
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
	if d.FirstReadAt == nil || unreadByStaff(d) {
		if d, err = s.markRead(ctx, caller, d.ID); err != nil {
			return CaseDetail{}, err
		}
	}
	return s.detail(ctx, d)
}

// markRead records the first open of case id by userID, and that the
// reporter's messages so far were read (audited as case.messages_read); a
// case read already with nothing unread is left alone.
func (s *Store) markRead(ctx context.Context, caller accounts.Caller, id string) (*caseDoc, error) {
	_, d, err := s.update(ctx, id, caseUpdate{action: "case.read", actor: caller.UserID, scope: inForce(caller),
		apply: func(next *caseDoc) (bool, error) {
			if next.FirstReadAt != nil && !unreadByStaff(next) {
				return false, nil
			}
			at := next.UpdatedAt
			if next.FirstReadAt == nil {
				next.FirstReadAt, next.FirstReadBy = &at, caller.UserID
			}
			if unreadByStaff(next) {
				next.StaffReadAt = &at
			}
			return true, nil
		},
		audit: func(cur, _ *caseDoc) error {
			if !unreadByStaff(cur) {
				return nil
			}
			return s.audit(ctx, caller.UserID, "case.messages_read", cur.ID,
				map[string]string{"through": cur.ReporterMessageAt.UTC().Format(time.RFC3339Nano)})
		}})
	return d, err
}

// unreadByStaff reports whether the reporter wrote since an officer last
// opened case d.
func unreadByStaff(d *caseDoc) bool {
	return d.ReporterMessageAt != nil && (d.StaffReadAt == nil || d.StaffReadAt.Before(*d.ReporterMessageAt))
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
	if out.Answers.Handles, err = s.openHandles(d.ID, d.Handles); err != nil {
		return CaseDetail{}, err
	}
	if out.Concern, err = s.concernDetail(d); err != nil {
		return CaseDetail{}, err
	}
	if d.Contact != "" {
		if out.Contact, err = s.openContact(d.ID, d.Contact); err != nil {
			return CaseDetail{}, err
		}
	}
	t, err := s.loadThread(ctx, d)
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
	e, caller, err := s.staffEntry(ctx, id, body, MaxMessage, AuthorStaff, messageField)
	if err != nil {
		return Message{}, err
	}
	_, _, err = s.update(ctx, id, caseUpdate{action: "case.message_sent", actor: caller.UserID, scope: inForce(caller),
		list: listMessages, entry: &e,
		apply: func(next *caseDoc) (bool, error) {
			next.StaffMessageAt = &e.At
			return true, nil
		},
		audit: func(cur, _ *caseDoc) error {
			return s.audit(ctx, caller.UserID, "case.message_sent", cur.ID, map[string]string{"messageId": e.ID})
		}})
	if err != nil {
		return Message{}, err
	}
	return Message{ID: e.ID, From: AuthorStaff, By: caller.UserID, At: e.At, Body: strings.TrimSpace(body)}, nil
}

// AddNote adds a private note to case id; the reporter never sees notes.
func (s *Store) AddNote(ctx context.Context, id, body string) (Note, error) {
	e, caller, err := s.staffEntry(ctx, id, body, MaxNote, "", noteField)
	if err != nil {
		return Note{}, err
	}
	_, _, err = s.update(ctx, id, caseUpdate{action: "case.note_added", actor: caller.UserID, scope: inForce(caller),
		list: listNotes, entry: &e, apply: changed,
		audit: func(cur, _ *caseDoc) error {
			return s.audit(ctx, caller.UserID, "case.note_added", cur.ID, map[string]string{"noteId": e.ID})
		}})
	if err != nil {
		return Note{}, err
	}
	return Note{ID: e.ID, By: caller.UserID, At: e.At, Body: strings.TrimSpace(body)}, nil
}

// changed is the apply of an update whose only change is its thread entry.
func changed(*caseDoc) (bool, error) { return true, nil }

// staffEntry checks body and seals it as a new entry of case id by the
// caller, who must be able to handle cases.
func (s *Store) staffEntry(ctx context.Context, id, body string, limit int, from Author, field func(string) string) (entryDoc, accounts.Caller, error) {
	body, err := checkBody("body", body, limit)
	if err != nil {
		return entryDoc{}, accounts.Caller{}, err
	}
	caller, err := handlerFrom(ctx)
	if err != nil {
		return entryDoc{}, caller, err
	}
	e, err := s.newEntry(id, from, caller.UserID, body, field)
	return e, caller, err
}

// Assign gives case id to user userID (an officer or supervisor of the
// case's force), or takes it from whoever has it when userID is empty.
// Assigning the case to whoever has it already changes nothing.
func (s *Store) Assign(ctx context.Context, id, userID string) error {
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
	_, _, err = s.update(ctx, id, caseUpdate{action: "case.assigned", actor: caller.UserID, scope: inForce(caller),
		apply: func(next *caseDoc) (bool, error) {
			if next.AssignedTo == userID {
				return false, nil
			}
			next.AssignedTo = userID
			return true, nil
		},
		audit: func(cur, _ *caseDoc) error {
			return s.audit(ctx, caller.UserID, "case.assigned", cur.ID, map[string]string{"assignee": userID})
		}})
	return err
}
