package reports

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"speaksafe/database"
)

// SeedCase is one routine report to store as if it had been taken at At
// and, when Closed, closed at the same moment by ClosedBy as Disposition.
type SeedCase struct {
	Report      Report
	At          time.Time
	Closed      bool
	ClosedBy    string
	Disposition Disposition
}

// Seed stores cases in bulk, for measuring the store at a given size and
// for demonstration data. Each case gets the documents a submission (and,
// for a closed one, a closing) leaves, built by the same code: its
// reference with the keyed hash of a receipt nobody is given, its handle
// index entries, the case document, and for an open case its queue entry;
// a closed case is written closed, with the version event a closing claims.
// What Seed leaves out: idempotency records (they expire within a day of a
// submission) and audit entries (nobody acted). Urgent reports are refused:
// they need an alert, which only Submit opens.
func (s *Store) Seed(ctx context.Context, cases []SeedCase) error {
	var b seedBatch
	forces := map[string]string{}
	for i := range cases {
		if err := s.seedOne(ctx, &b, forces, &cases[i]); err != nil {
			return fmt.Errorf("reports: seed case %d: %w", i, err)
		}
	}
	// Like a submission, every index entry goes in before its case.
	if err := s.insertSlots(ctx, b.handles); err != nil {
		return err
	}
	for _, w := range []struct {
		coll string
		docs []any
	}{{collRefs, b.refs}, {collQueue, b.queue}, {collCaseEvents, b.events}, {collCases, b.cases}} {
		if len(w.docs) == 0 {
			continue
		}
		if _, err := s.coll(w.coll).InsertMany(ctx, w.docs); err != nil {
			return dbErr("seed "+w.coll, err)
		}
		if w.coll == collQueue {
			for _, e := range w.docs {
				if err := s.queueChanged(ctx, e.(queueEntry).ID); err != nil {
					return err
				}
			}
		}
	}
	// A change naming no case: the copies of the facts read every case
	// again (factview.go) rather than a change per seeded case.
	return s.queueChanged(ctx, "")
}

// seedBatch gathers the documents of a Seed call by collection.
type seedBatch struct {
	refs, queue, events, cases []any
	handles                    []handleDoc
}

func (s *Store) seedOne(ctx context.Context, b *seedBatch, forces map[string]string, c *SeedCase) error {
	r := c.Report
	r.Normalize()
	if err := r.Validate(); err != nil {
		return err
	}
	at := c.At.UTC().Truncate(time.Millisecond)
	if urgent, _ := Urgency(&r, at); urgent {
		return errors.New("urgent reports cannot be seeded")
	}
	forceID, ok := forces[r.ForceCode]
	if !ok {
		var err error
		if forceID, err = s.cfg.Forces.ForceID(ctx, r.ForceCode); err != nil {
			return fmt.Errorf("force: %w", err)
		}
		forces[r.ForceCode] = forceID
	}
	a := &answer{ForceID: forceID, CreatedAt: at, CaseID: database.NewID()}
	var err error
	if a.Receipt, err = newReceipt(); err != nil {
		return err
	}
	if a.Reference, err = newReference(); err != nil {
		return err
	}
	b.refs = append(b.refs, refDoc{ID: a.Reference, CaseID: a.CaseID, ForceID: forceID,
		Receipt: s.hasher.hash(a.Reference, a.Receipt), CreatedAt: at})
	d, err := s.newCaseDoc(&r, a)
	if err != nil {
		return err
	}
	for _, h := range s.handleKeys.hashes(r.Answers.Handles) {
		b.handles = append(b.handles, handleDoc{Kid: s.handleKeys.kid,
			Hash: h, CaseID: d.ID, ForceID: forceID, CreatedAt: at})
	}
	if c.Closed {
		if d, err = seedClosed(b, d, c); err != nil {
			return err
		}
	} else {
		b.queue = append(b.queue, entryOf(d))
	}
	b.cases = append(b.cases, d)
	return nil
}

// seedClosed returns d closed as SetStatus closes it (version 1, claimed
// by its event, which it adds to b).
func seedClosed(b *seedBatch, d *caseDoc, c *SeedCase) (*caseDoc, error) {
	sc := StatusChange{Status: StatusClosed, Disposition: c.Disposition}
	if err := sc.Validate(); err != nil {
		return nil, err
	}
	next := *d
	next.Version = 1
	if _, err := moveForward(&next, sc, c.ClosedBy, ""); err != nil {
		return nil, err
	}
	state, err := bson.Marshal(stateOf(&next))
	if err != nil {
		return nil, fmt.Errorf("encode case state: %w", err)
	}
	b.events = append(b.events, caseEvent{ID: eventID(next.ID, 1), CaseID: next.ID, Version: 1,
		Action: "case.status_changed", Actor: c.ClosedBy, At: next.UpdatedAt, State: state})
	return &next, nil
}
