package reports

import (
	"context"
	"fmt"
	"strings"
	"time"

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
// acknowledges the case and stops the escalation of its alert. The move is
// decided against the newest version of the case and claimed as the next
// one, so of officers racing on several instances one closes the case and
// the others are told it is closed.
func (s *Store) SetStatus(ctx context.Context, id string, c StatusChange) (CaseDetail, error) {
	c.Outcome = strings.TrimSpace(c.Outcome)
	if err := c.Validate(); err != nil {
		return CaseDetail{}, err
	}
	caller, err := handlerFrom(ctx)
	if err != nil {
		return CaseDetail{}, err
	}
	var outcome string
	if c.Outcome != "" {
		if outcome, err = s.keys.SealString(id, fieldOutcome, c.Outcome); err != nil {
			return CaseDetail{}, err
		}
	}
	cur, d, err := s.update(ctx, id, caseUpdate{action: "case.status_changed", actor: caller.UserID, scope: inForce(caller),
		apply: func(next *caseDoc) (bool, error) {
			if err := s.needsReferral(ctx, next, c); err != nil {
				return false, err
			}
			return moveForward(next, c, caller.UserID, outcome)
		},
		audit: func(cur, next *caseDoc) error {
			detail := map[string]string{"from": string(cur.Status), "to": string(next.Status)}
			if c.Disposition != "" {
				detail["disposition"] = string(c.Disposition)
			}
			return s.audit(ctx, caller.UserID, "case.status_changed", cur.ID, detail)
		}})
	if err != nil {
		return CaseDetail{}, err
	}
	// Closing an urgent case always tells its alert (the first
	// acknowledgement wins, so a repeat is harmless): whoever closes it took
	// it, even when an earlier acknowledgement never reached the alert.
	if d.Urgent && (cur.Status.rank() <= StatusAcknowledged.rank() || d.Status == StatusClosed) {
		alerter, err := s.alerts()
		if err != nil {
			return CaseDetail{}, err
		}
		if err := alerter.Acknowledged(ctx, d.ID, caller.UserID, s.now().UTC().Truncate(time.Millisecond)); err != nil {
			return CaseDetail{}, fmt.Errorf("reports: acknowledge alert of case %s: %w", d.ID, err)
		}
	}
	return s.detail(ctx, d)
}

// moveForward sets next to the status c asks, by userID at next.UpdatedAt,
// with the sealed outcome when closing; false when next has it already, a
// Conflict when it would move back or close a closed case again.
func moveForward(next *caseDoc, c StatusChange, userID, outcome string) (bool, error) {
	from := next.Status
	if c.Status.rank() < from.rank() || (c.Status == from && from == StatusClosed) {
		return false, conflict(fmt.Sprintf("The case is %s and cannot become %s: cases only move forward.", from, c.Status))
	}
	if c.Status == from {
		return false, nil
	}
	now := next.UpdatedAt
	next.Status = c.Status
	if next.AcknowledgedAt == nil {
		next.AcknowledgedAt, next.AcknowledgedBy = &now, userID
	}
	if c.Status == StatusClosed {
		next.ClosedAt, next.ClosedBy, next.Disposition, next.Outcome = &now, userID, string(c.Disposition), outcome
	}
	return true, nil
}

// MarkAcknowledged moves case caseID from new to acknowledged by userID,
// for an officer who acknowledged its alert; a case past new is left alone.
// Notifications calls it; the alert side is already acknowledged. Like
// every change of a case it claims the case's next version.
func (s *Store) MarkAcknowledged(ctx context.Context, caseID, userID string, at time.Time) error {
	at = at.UTC().Truncate(time.Millisecond)
	_, _, err := s.update(ctx, caseID, caseUpdate{action: "case.status_changed", actor: userID,
		apply: func(next *caseDoc) (bool, error) {
			if next.Status != StatusNew {
				return false, nil
			}
			next.Status, next.AcknowledgedAt, next.AcknowledgedBy = StatusAcknowledged, &at, userID
			return true, nil
		},
		audit: func(cur, _ *caseDoc) error {
			return s.audit(ctx, userID, "case.status_changed", cur.ID,
				map[string]string{"from": string(StatusNew), "to": string(StatusAcknowledged), "via": "alert"})
		}})
	return err
}
