package reports

import (
	"context"
	"fmt"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"speaksafe/errkind"
)

// StatusChange moves a case forward. Closing needs a Disposition and may
// carry an Outcome message that the reporter will see.
type StatusChange struct {
	Status      Status
	Disposition Disposition
	Outcome     string
}

// Validate reports every problem with c on its own (not against a case).
func (c *StatusChange) Validate() error {
	v := &errkind.ValidationError{}
	v.Check(!c.Status.Valid() || c.Status == StatusNew, "status", "must be acknowledged, in_progress or closed")
	if c.Status == StatusClosed {
		v.Check(!c.Disposition.Valid(), "disposition", "closing a case needs one of the listed dispositions")
		if c.Outcome != "" {
			checkText(v, "outcome", c.Outcome, MaxMessage, false)
		}
	} else {
		v.Check(c.Disposition != "", "disposition", "only applies when closing")
		v.Check(c.Outcome != "", "outcome", "only applies when closing")
	}
	return v.Err()
}

// SetStatus moves case id to c.Status. Cases only move forward
// (new → acknowledged → in_progress → closed, steps may be skipped); asking
// for the status a case already has (other than closed) changes nothing and
// succeeds, so that a retried acknowledgement is harmless. Leaving "new"
// acknowledges the case and stops the escalation of its alert.
func (s *Store) SetStatus(ctx context.Context, id string, c StatusChange) (CaseDetail, error) {
	c.Outcome = strings.TrimSpace(c.Outcome)
	if err := c.Validate(); err != nil {
		return CaseDetail{}, err
	}
	unlock := s.lock(id)
	defer unlock()
	caller, d, err := s.caseFor(ctx, id)
	if err != nil {
		return CaseDetail{}, err
	}
	from := d.Status
	if c.Status.rank() < from.rank() || (c.Status == from && from == StatusClosed) {
		return CaseDetail{}, &conflict{fmt.Sprintf("The case is %s and cannot become %s: cases only move forward.", from, c.Status)}
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	if c.Status != from {
		set, err := s.transition(d, c, caller.UserID, now)
		if err != nil {
			return CaseDetail{}, err
		}
		detail := map[string]string{"from": string(from), "to": string(c.Status)}
		if c.Disposition != "" {
			detail["disposition"] = string(c.Disposition)
		}
		if err := s.audit(ctx, caller.UserID, "case.status_changed", d.ID, detail); err != nil {
			return CaseDetail{}, err
		}
		if err := s.touch(ctx, d.ID, set); err != nil {
			return CaseDetail{}, err
		}
	}
	if d, err = s.loadCase(ctx, id); err != nil {
		return CaseDetail{}, err
	}
	if err := s.syncIndex(ctx, d); err != nil {
		return CaseDetail{}, err
	}
	if d.Urgent && from.rank() <= StatusAcknowledged.rank() {
		alerter, err := s.alerts()
		if err != nil {
			return CaseDetail{}, err
		}
		if err := alerter.Acknowledged(ctx, d.ID, caller.UserID, now); err != nil {
			return CaseDetail{}, fmt.Errorf("reports: acknowledge alert of case %s: %w", d.ID, err)
		}
	}
	return s.detail(ctx, d)
}

// transition returns the fields to set for moving d as c asks.
func (s *Store) transition(d *caseDoc, c StatusChange, userID string, now time.Time) (bson.D, error) {
	set := bson.D{{Key: "status", Value: c.Status}}
	if d.AcknowledgedAt == nil {
		set = append(set, bson.E{Key: "acknowledgedAt", Value: now}, bson.E{Key: "acknowledgedBy", Value: userID})
	}
	if c.Status == StatusClosed {
		set = append(set, bson.E{Key: "closedAt", Value: now}, bson.E{Key: "closedBy", Value: userID},
			bson.E{Key: "disposition", Value: c.Disposition})
		if c.Outcome != "" {
			sealed, err := s.keys.SealString(d.ID, fieldOutcome, c.Outcome)
			if err != nil {
				return nil, err
			}
			set = append(set, bson.E{Key: "outcome", Value: sealed})
		}
	}
	return set, nil
}

// MarkAcknowledged moves case caseID from new to acknowledged by userID,
// for an officer who acknowledged its alert; a case past new is left alone.
// Notifications calls it; the alert side is already acknowledged.
func (s *Store) MarkAcknowledged(ctx context.Context, caseID, userID string, at time.Time) error {
	unlock := s.lock(caseID)
	defer unlock()
	d, err := s.loadCase(ctx, caseID)
	if err != nil {
		return err
	}
	if d.Status != StatusNew {
		return nil
	}
	at = at.UTC().Truncate(time.Millisecond)
	if err := s.audit(ctx, userID, "case.status_changed", d.ID, map[string]string{"from": string(StatusNew), "to": string(StatusAcknowledged), "via": "alert"}); err != nil {
		return err
	}
	err = s.touch(ctx, d.ID, bson.D{
		{Key: "status", Value: StatusAcknowledged}, {Key: "acknowledgedAt", Value: at}, {Key: "acknowledgedBy", Value: userID},
	})
	if err != nil {
		return err
	}
	d.Status, d.AcknowledgedAt, d.AcknowledgedBy = StatusAcknowledged, &at, userID
	return s.syncIndex(ctx, d)
}
