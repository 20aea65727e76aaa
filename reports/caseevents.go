package reports

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"speaksafe/database"
	"speaksafe/errkind"
)

// collCaseEvents holds one document per version of a case, _id
// "<caseID>:<version>". Every change of a case after it is stored is the
// insert of its next version's event: inserting a duplicate _id fails
// atomically on every store, so of several writers who read version N —
// in one process or in several — exactly one gets N+1; the others read
// again and decide again (a case closed meanwhile refuses to move back).
// The event holds the whole state after the change (stateOf) and, for a
// message or note, the entry itself, so it is the record of what happened;
// the case document, its thread document and its queue entry are copies
// brought up to date after the claim, and again by any reader who finds
// them behind the newest event (after a crash, or a slower writer of an
// older version whose write landed last).
const collCaseEvents = "case_events"

// maxClaimAttempts bounds how often an update reads again after another
// writer claimed the version it wanted; past it the caller gets a 409.
const maxClaimAttempts = 25

// maxSettleRounds bounds how often settle follows newer versions that keep
// arriving while it writes; the newest writer settles them anyway.
const maxSettleRounds = 50

type caseEvent struct {
	ID      string    `bson:"_id"`
	CaseID  string    `bson:"caseId"`
	Version int64     `bson:"version"`
	Action  string    `bson:"action"`
	Actor   string    `bson:"actor,omitempty"`
	At      time.Time `bson:"at"`
	State   bson.Raw  `bson:"state"`
	// List ("messages" or "notes") and Entry are set when this version
	// added to the thread; PrevThread is the version that did so before.
	List       string    `bson:"list,omitempty"`
	Entry      *entryDoc `bson:"entry,omitempty"`
	PrevThread int64     `bson:"prevThread,omitempty"`
}

func eventID(caseID string, version int64) string {
	return caseID + ":" + strconv.FormatInt(version, 10)
}

// caseUpdate is one transition of a case, decided against its newest version.
type caseUpdate struct {
	action, actor string
	// scope refuses a case the caller may not touch (NotFound).
	scope func(cur *caseDoc) error
	// apply changes next, a copy of the newest case already carrying its
	// next version and time, as the transition asks. It answers false when
	// there is nothing to change, or an error that refuses the transition.
	apply func(next *caseDoc) (bool, error)
	// list and entry, when entry is set, add a message or note.
	list  string
	entry *entryDoc
	// audit records the change before it is claimed.
	audit func(cur, next *caseDoc) error
}

// update applies u to the newest version of case id and claims the next
// version with the result. It answers the case as u found it and as it is
// after the change (both the same when nothing changed). The in-process
// lock only spares this process's writers needless retries; the claim is
// what makes the change exclusive across instances.
func (s *Store) update(ctx context.Context, id string, u caseUpdate) (*caseDoc, *caseDoc, error) {
	unlock := s.lock(id)
	defer unlock()
	for range maxClaimAttempts {
		cur, err := s.loadCase(ctx, id)
		if err != nil {
			return nil, nil, err
		}
		if u.scope != nil {
			if err := u.scope(cur); err != nil {
				return nil, nil, err
			}
		}
		next, changed, err := s.decide(ctx, cur, &u)
		if err != nil || !changed {
			return cur, cur, err
		}
		if u.audit != nil {
			if err := u.audit(cur, next); err != nil {
				return nil, nil, err
			}
		}
		won, err := s.claim(ctx, cur, next, &u)
		if err != nil {
			return nil, nil, err
		}
		if won {
			after, err := s.afterClaim(ctx, next, &u)
			return cur, after, err
		}
	}
	return nil, nil, conflict("The case was being changed by others at the same moment; reload it and try again.")
}

// decide returns the next version of cur as u asks, or false for no change.
func (s *Store) decide(ctx context.Context, cur *caseDoc, u *caseUpdate) (*caseDoc, bool, error) {
	next := *cur
	next.Version = cur.Version + 1
	next.UpdatedAt = s.now().UTC().Truncate(time.Millisecond)
	changed, err := u.apply(&next)
	if err != nil || !changed || u.entry == nil {
		return &next, changed, err
	}
	if cur.ThreadVersion == 0 {
		// Entries from before version claims counted only in the thread.
		t, err := s.loadThread(ctx, cur)
		if err != nil {
			return nil, false, err
		}
		next.MessageCount, next.NoteCount = max(next.MessageCount, len(t.Messages)), max(next.NoteCount, len(t.Notes))
	}
	n, limit := &next.MessageCount, MaxMessagesPerCase
	if u.list == listNotes {
		n, limit = &next.NoteCount, MaxNotesPerCase
	}
	if *n >= limit {
		return nil, false, fmt.Errorf("reports: case %s has %d %s, the most it may hold: %w", cur.ID, *n, u.list, errkind.Conflict)
	}
	*n++
	next.ThreadVersion = next.Version
	return &next, true, nil
}

// claim inserts next's event; false when another writer has that version.
func (s *Store) claim(ctx context.Context, cur, next *caseDoc, u *caseUpdate) (bool, error) {
	state, err := bson.Marshal(stateOf(next))
	if err != nil {
		return false, fmt.Errorf("reports: encode case state: %w", err)
	}
	ev := caseEvent{ID: eventID(next.ID, next.Version), CaseID: next.ID, Version: next.Version, Action: u.action,
		Actor: u.actor, At: next.UpdatedAt, State: state}
	if u.entry != nil {
		ev.List, ev.Entry, ev.PrevThread = u.list, u.entry, cur.ThreadVersion
	}
	_, err = s.coll(collCaseEvents).InsertOne(ctx, ev)
	if database.IsDuplicateKey(err) {
		return false, nil
	}
	if err != nil {
		return false, dbErr("claim case version", err)
	}
	return true, nil
}

// afterClaim brings the copies up to the claimed version. The change is
// made once the claim succeeded: an error here leaves copies behind, which
// the next reader repairs.
func (s *Store) afterClaim(ctx context.Context, next *caseDoc, u *caseUpdate) (*caseDoc, error) {
	if u.entry != nil {
		if _, err := s.loadThread(ctx, next); err != nil {
			return nil, err
		}
	}
	return s.settle(ctx, next)
}

// event reads version v of case caseID; nil when there is none.
func (s *Store) event(ctx context.Context, caseID string, v int64) (*caseEvent, error) {
	ev, err := database.FindByID[caseEvent](ctx, s.coll(collCaseEvents), eventID(caseID, v), nil)
	if err != nil || ev.ID == "" {
		return nil, wrapDB("read case event", err)
	}
	return &ev, nil
}

// newestEventAfter returns the newest event of case caseID past version v,
// or nil when v is the newest: one lookup by _id when nothing is newer.
func (s *Store) newestEventAfter(ctx context.Context, caseID string, v int64) (*caseEvent, error) {
	var newest *caseEvent
	for {
		ev, err := s.event(ctx, caseID, v+1)
		if err != nil || ev == nil {
			return newest, err
		}
		newest, v = ev, ev.Version
	}
}

// applyEvent sets d to the state ev recorded.
func applyEvent(d *caseDoc, ev *caseEvent) error {
	if err := bson.Unmarshal(ev.State, d); err != nil {
		return fmt.Errorf("reports: decode state of case %s version %d: %w", d.ID, ev.Version, err)
	}
	d.Version = ev.Version
	return nil
}

// catchUp brings a case read from its document up to its newest event,
// repairing the document and queue entry when they were behind.
func (s *Store) catchUp(ctx context.Context, d *caseDoc) (*caseDoc, error) {
	ev, err := s.newestEventAfter(ctx, d.ID, d.Version)
	if err != nil || ev == nil {
		return d, err
	}
	if err := applyEvent(d, ev); err != nil {
		return nil, err
	}
	return s.settle(ctx, d)
}

// settle writes d's state to the case document and its queue entry, then
// looks for a newer version: a slower writer of an older version may have
// written after the newer one, so whoever writes last checks and writes
// the newest state again. Writes of one version are identical, so racing
// writers converge on the newest.
func (s *Store) settle(ctx context.Context, d *caseDoc) (*caseDoc, error) {
	for range maxSettleRounds {
		set := append(stateOf(d), bson.E{Key: "version", Value: d.Version})
		r, err := s.coll(collCases).UpdateOne(ctx, bson.D{{Key: "_id", Value: d.ID}}, bson.D{{Key: "$set", Value: set}})
		if err != nil {
			return nil, dbErr("update case", err)
		}
		if r.MatchedCount == 0 {
			return nil, fmt.Errorf("reports: case %s: %w", d.ID, errkind.NotFound)
		}
		if err := s.syncIndex(ctx, d); err != nil {
			return nil, err
		}
		ev, err := s.newestEventAfter(ctx, d.ID, d.Version)
		if err != nil || ev == nil {
			return d, err
		}
		if err := applyEvent(d, ev); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// deleteEvents removes the events of a deleted case, version 1 up to its
// newest.
func (s *Store) deleteEvents(ctx context.Context, caseID string, version int64) error {
	for v := int64(1); ; v++ {
		r, err := s.coll(collCaseEvents).DeleteOne(ctx, bson.D{{Key: "_id", Value: eventID(caseID, v)}})
		if err != nil {
			return dbErr("delete case events", err)
		}
		if v >= version && r.DeletedCount == 0 {
			return nil
		}
	}
}
