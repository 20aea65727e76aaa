package reports

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"speaksafe/database"
	"speaksafe/fieldcrypt"
)

// resealAttempts bounds how often one document is written again when a
// concurrent writer's copy replaced the resealed one.
const resealAttempts = 5

// ResealCase re-encrypts every sealed value of case id that is not under
// the current data key (the first of DATA_KEYS), so that older keys can be
// retired: the outcome, the intake text, handles and contact, the thread's
// messages and notes, and the copies of them in the case's version events.
// It answers how many values it rewrote; a case already under the current
// key is left untouched (0), so a run cut short can simply run again.
//
// It is safe beside live traffic (docs/rekey.md): the outcome, which
// officers change, is resealed through a version claim like any change of
// the case; the intake fields, written once, and the events, never
// changed, are rewritten alone by _id; the thread document is rewritten
// with the version it holds, so a racing append is repaired from its event
// as any thread behind its case is. Every write is read again and retried
// when a concurrent writer's copy replaced it.
func (s *Store) ResealCase(ctx context.Context, id, actor string) (int, error) {
	n, err := s.resealOutcome(ctx, id, actor)
	if err != nil {
		return n, err
	}
	d, err := s.loadCase(ctx, id)
	if err != nil {
		return n, err
	}
	steps := []func(context.Context, *caseDoc) (int, error){s.resealEvents, s.resealIntake, s.resealThread}
	for _, step := range steps {
		k, err := step(ctx, d)
		n += k
		if err != nil {
			return n, err
		}
	}
	// The intake rewrite may have put back an older state of the case
	// (on the embedded store an update rewrites the whole document);
	// loading it brings it up to its newest version again.
	_, err = s.loadCase(ctx, id)
	return n, err
}

// resealed answers v under the current key, and whether it changed.
func (s *Store) resealed(recordID, field, v string) (string, bool, error) {
	if v == "" || fieldcrypt.KeyID(v) == s.keys.CurrentKeyID() {
		return v, false, nil
	}
	pt, err := s.keys.Open(recordID, field, v)
	if err != nil {
		return "", false, fmt.Errorf("reports: reseal %s of case %s (is its key still in DATA_KEYS?): %w", field, recordID, err)
	}
	out, err := s.keys.Seal(recordID, field, pt)
	return out, err == nil, err
}

// resealOutcome claims the case's next version with its outcome resealed,
// keeping its time: nothing a user sees changes.
func (s *Store) resealOutcome(ctx context.Context, id, actor string) (int, error) {
	var kept time.Time
	n := 0
	_, _, err := s.update(ctx, id, caseUpdate{action: "case.resealed", actor: actor,
		scope: func(cur *caseDoc) error { kept = cur.UpdatedAt; return nil },
		apply: func(next *caseDoc) (bool, error) {
			v, changed, err := s.resealed(id, fieldOutcome, next.Outcome)
			if err != nil || !changed {
				return false, err
			}
			next.Outcome, next.UpdatedAt, n = v, kept, 1
			return true, nil
		}})
	return n, err
}

// resealEvents rewrites the sealed values of every version event of d.
func (s *Store) resealEvents(ctx context.Context, d *caseDoc) (int, error) {
	n := 0
	for v := int64(1); ; v++ {
		ev, err := s.event(ctx, d.ID, v)
		if err != nil {
			return n, err
		}
		if ev == nil {
			if v > d.Version {
				return n, nil
			}
			continue
		}
		k, err := s.resealEvent(ctx, ev)
		n += k
		if err != nil {
			return n, err
		}
	}
}

func (s *Store) resealEvent(ctx context.Context, ev *caseEvent) (int, error) {
	for range resealAttempts {
		set, err := s.eventReseals(ev)
		if err != nil || len(set) == 0 {
			return 0, err
		}
		if _, err := s.coll(collCaseEvents).UpdateOne(ctx, bson.D{{Key: "_id", Value: ev.ID}}, bson.D{{Key: "$set", Value: set}}); err != nil {
			return 0, dbErr("reseal case event", err)
		}
		again, err := s.event(ctx, ev.CaseID, ev.Version)
		if err != nil || again == nil {
			return len(set), err
		}
		if set, err := s.eventReseals(again); err != nil || len(set) == 0 {
			return len(set), err
		}
		ev = again
	}
	return 0, fmt.Errorf("reports: case event %s kept changing while resealed; run again", ev.ID)
}

// eventReseals is the $set that reseals ev's values; empty when none is
// under an older key.
func (s *Store) eventReseals(ev *caseEvent) (bson.D, error) {
	var set bson.D
	var state struct {
		Outcome string `bson:"outcome"`
	}
	if len(ev.State) > 0 {
		if err := bson.Unmarshal(ev.State, &state); err != nil {
			return nil, fmt.Errorf("reports: decode state of %s: %w", ev.ID, err)
		}
	}
	v, changed, err := s.resealed(ev.CaseID, fieldOutcome, state.Outcome)
	if err != nil {
		return nil, err
	}
	if changed {
		set = append(set, bson.E{Key: "state.outcome", Value: v})
	}
	if ev.Entry != nil {
		v, changed, err := s.resealed(ev.CaseID, entryField(ev.List, ev.Entry.ID), ev.Entry.Body)
		if err != nil {
			return nil, err
		}
		if changed {
			set = append(set, bson.E{Key: "entry.body", Value: v})
		}
	}
	return set, nil
}

func entryField(list, id string) string {
	if list == listNotes {
		return noteField(id)
	}
	return messageField(id)
}

// resealIntake rewrites what the report said, which nothing changes after
// intake, alone.
func (s *Store) resealIntake(ctx context.Context, d *caseDoc) (int, error) {
	for range resealAttempts {
		set, err := s.intakeReseals(d)
		if err != nil || len(set) == 0 {
			return 0, err
		}
		if _, err := s.coll(collCases).UpdateOne(ctx, bson.D{{Key: "_id", Value: d.ID}}, bson.D{{Key: "$set", Value: set}}); err != nil {
			return 0, dbErr("reseal case", err)
		}
		again, err := database.FindByID[caseDoc](ctx, s.coll(collCases), d.ID, errNotStored)
		if err != nil {
			return 0, dbErr("reseal case", err)
		}
		if left, err := s.intakeReseals(&again); err != nil || len(left) == 0 {
			return len(set), err
		}
		d = &again
	}
	return 0, fmt.Errorf("reports: case %s kept changing while resealed; run again", d.ID)
}

func (s *Store) intakeReseals(d *caseDoc) (bson.D, error) {
	var set bson.D
	for _, f := range []struct{ name, v string }{{fieldWhatHappened, d.WhatHappened}, {fieldHandles, d.Handles}, {fieldContact, d.Contact}} {
		v, changed, err := s.resealed(d.ID, f.name, f.v)
		if err != nil {
			return nil, err
		}
		if changed {
			set = append(set, bson.E{Key: f.name, Value: v})
		}
	}
	if d.Concern != nil { // a school's concern: the pupil, sealed under its own field name
		v, changed, err := s.resealed(d.ID, fieldPupil, d.Concern.Pupil)
		if err != nil {
			return nil, err
		}
		if changed {
			set = append(set, bson.E{Key: "concern." + fieldPupil, Value: v})
		}
	}
	return set, nil
}

// resealThread rewrites the thread document with the version it holds: a
// message appended meanwhile and lost by the rewrite is in its event, and
// the next reader puts it back as for any thread behind its case.
func (s *Store) resealThread(ctx context.Context, d *caseDoc) (int, error) {
	for range resealAttempts {
		t, err := database.FindByID[threadDoc](ctx, s.coll(collThreads), d.ID, errNotStored)
		if errors.Is(err, errNotStored) {
			return 0, nil
		}
		if err != nil {
			return 0, dbErr("reseal thread", err)
		}
		n, err := s.resealEntries(&t)
		if err != nil || n == 0 {
			return 0, err
		}
		set := bson.D{{Key: "version", Value: t.Version}}
		if t.Messages != nil {
			set = append(set, bson.E{Key: "messages", Value: t.Messages})
		}
		if t.Notes != nil {
			set = append(set, bson.E{Key: "notes", Value: t.Notes})
		}
		if _, err := s.coll(collThreads).UpdateOne(ctx, bson.D{{Key: "_id", Value: d.ID}}, bson.D{{Key: "$set", Value: set}}); err != nil {
			return 0, dbErr("reseal thread", err)
		}
		again, err := database.FindByID[threadDoc](ctx, s.coll(collThreads), d.ID, errNotStored)
		if err != nil {
			return 0, dbErr("reseal thread", err)
		}
		if left, err := s.resealEntries(&again); err != nil || left == 0 {
			return n, err
		}
	}
	return 0, fmt.Errorf("reports: thread of case %s kept changing while resealed; run again", d.ID)
}

// resealEntries reseals t's entries in place and answers how many changed.
func (s *Store) resealEntries(t *threadDoc) (int, error) {
	n := 0
	for list, entries := range map[string][]entryDoc{listMessages: t.Messages, listNotes: t.Notes} {
		for i := range entries {
			v, changed, err := s.resealed(t.ID, entryField(list, entries[i].ID), entries[i].Body)
			if err != nil {
				return n, err
			}
			if changed {
				entries[i].Body = v
				n++
			}
		}
	}
	return n, nil
}
