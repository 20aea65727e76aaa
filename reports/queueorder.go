package reports

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"speaksafe/database"
)

// collUnacked holds one tiny document per open case whose alert is
// "unacknowledged" (_id = case id, forceId). It is what lets the queue put
// those cases on top without reading the alert state of every open case:
// the queue reads this force's markers (bounded by the alerts nobody took,
// normally none) and the states of its markers and of its page only.
// A marker is a hint: the queue honours it only while the case's alert
// state still says unacknowledged, so a marker left by a race with an
// acknowledgement is harmless.
const collUnacked = "queue_unacked"

type unackedDoc struct {
	ID      string    `bson:"_id"`
	ForceID string    `bson:"forceId"`
	At      time.Time `bson:"at"`
}

// queueKey is where a case sorts in the open queue: an unacknowledged
// alert first, then by severity; meetings soonest first (no time given
// counts as soonest); otherwise oldest first; the id breaks ties.
type queueKey struct {
	Unacked   bool
	Severity  Severity
	MeetingAt *time.Time
	CreatedAt time.Time
	ID        string
}

func keyOf(e *queueEntry, unacked bool) queueKey {
	sev := SeverityOf(e.UrgentReasons)
	if e.Urgent && sev == SeverityRoutine {
		sev = SeverityUrgent
	}
	k := queueKey{Unacked: unacked, Severity: sev, CreatedAt: e.CreatedAt, ID: e.ID}
	if sev == SeverityMeeting {
		k.MeetingAt = e.MeetingAt
	}
	return k
}

// compareKeys orders a before b (-1), after (1) or equal (0).
func compareKeys(a, b queueKey) int {
	switch {
	case a.Unacked != b.Unacked:
		if a.Unacked {
			return -1
		}
		return 1
	case a.Severity != b.Severity:
		return int(a.Severity) - int(b.Severity)
	}
	if c := compareMeetings(a.MeetingAt, b.MeetingAt); c != 0 {
		return c
	}
	if !a.CreatedAt.Equal(b.CreatedAt) {
		return a.CreatedAt.Compare(b.CreatedAt)
	}
	return compareStrings(a.ID, b.ID)
}

// compareMeetings puts an unknown meeting time first, then the soonest.
func compareMeetings(a, b *time.Time) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return -1
	case b == nil:
		return 1
	}
	return a.Compare(*b)
}

// markUnacked records or clears the marker of case caseID. It is called by
// SetAlertState; a case without a queue entry (closed) gets no marker.
func (s *Store) markUnacked(ctx context.Context, caseID string, unacked bool, at time.Time) error {
	if !unacked {
		cleared, err := s.clearMarker(ctx, caseID)
		if err != nil || !cleared {
			return err // none, or whoever deleted it tells the queue
		}
		return s.queueChanged(ctx, caseID)
	}
	e, err := database.FindByID[queueEntry](ctx, s.coll(collQueue), caseID, nil)
	if err != nil || e.ID == "" {
		return wrapDB("read queue entry", err)
	}
	_, err = s.coll(collUnacked).InsertOne(ctx, unackedDoc{ID: caseID, ForceID: e.ForceID, At: at.UTC()})
	if database.IsDuplicateKey(err) {
		return nil // marked already; whoever marked it tells the queue
	}
	if err != nil {
		return dbErr("mark unacknowledged", err)
	}
	return s.queueChanged(ctx, caseID)
}

// clearMarker deletes case caseID's marker; true when there was one.
func (s *Store) clearMarker(ctx context.Context, caseID string) (bool, error) {
	r, err := s.coll(collUnacked).DeleteOne(ctx, bson.D{{Key: "_id", Value: caseID}})
	if err != nil {
		return false, dbErr("clear unacknowledged marker", err)
	}
	return r.DeletedCount > 0, nil
}

// unackedCases returns which of the marked cases' alerts are
// unacknowledged now (a marker is a hint: its alert state decides).
func (s *Store) unackedCases(ctx context.Context, marked []string) (map[string]bool, error) {
	if len(marked) == 0 {
		return nil, nil
	}
	states, err := s.alertStates(ctx, marked)
	if err != nil {
		return nil, err
	}
	out := make(map[string]bool, len(marked))
	for _, id := range marked {
		if states[id] == AlertUnacknowledged {
			out[id] = true
		}
	}
	return out, nil
}
