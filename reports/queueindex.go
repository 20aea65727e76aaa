package reports

import (
	"context"
	"errors"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"speaksafe/database"
	"speaksafe/errkind"
)

// collQueue holds one small document per open case (_id = case id) with
// what the queue shows: the queue of a force is a read of these entries,
// not of every case ever kept with its sealed text. On the embedded store
// that read scans the entries of all forces' open cases (small and bounded
// by the work in hand); MongoDB serves it from the forceId index.
//
// One document per case keeps every write independent: an insert, replace
// or delete of one case's entry never touches another's, so several
// instances (and the embedded store, which rewrites a document on $set)
// cannot lose each other's entries.
//
// Consistency without transactions: an entry is written before the case
// document is inserted (like the alert), and after every change of the case
// document as a whole-document replace, so every write is idempotent and
// the newest write wins. The retention sweep repairs what a crash between
// two writes can leave: entries of cases never stored (ghosts, after a
// grace period), and entries of cases closed since.
const collQueue = "queue_entries"

// ghostGrace is how old an index entry without a case must be before the
// repair removes it: a submission in flight writes the entry first.
const ghostGrace = 10 * time.Minute

type queueEntry struct {
	ID                string     `bson:"_id"`
	ForceID           string     `bson:"forceId"`
	Reference         string     `bson:"reference"`
	Category          Category   `bson:"category"`
	Urgent            bool       `bson:"urgent"`
	UrgentReasons     []Reason   `bson:"urgentReasons,omitempty"`
	Status            Status     `bson:"status"`
	CreatedAt         time.Time  `bson:"createdAt"`
	AssignedTo        string     `bson:"assignedTo,omitempty"`
	FirstReadAt       *time.Time `bson:"firstReadAt,omitempty"`
	ReporterMessageAt *time.Time `bson:"reporterMessageAt,omitempty"`
	MeetingAt         *time.Time `bson:"meetingAt,omitempty"`
	// FloodGroup and FloodKind mark a report that arrived in a flood of
	// urgent reports (paged as one digest with the rest of its group).
	FloodGroup string    `bson:"floodGroup,omitempty"`
	FloodKind  FloodKind `bson:"floodKind,omitempty"`
	Kind       Kind      `bson:"kind,omitempty"`
	// UpdatedAt and StaffReadAt are for the reminders (OpenCases), which
	// are worked out from this instance's copy of the entries. An entry
	// written before they were kept has a zero UpdatedAt (see openCase).
	UpdatedAt   time.Time  `bson:"updatedAt"`
	StaffReadAt *time.Time `bson:"staffReadAt,omitempty"`
}

func entryOf(d *caseDoc) queueEntry {
	return queueEntry{ID: d.ID, ForceID: d.ForceID, Reference: d.Reference, Category: d.Category, Urgent: d.Urgent,
		UrgentReasons: d.UrgentReasons, Status: d.Status, CreatedAt: d.CreatedAt.UTC().Truncate(time.Millisecond),
		AssignedTo: d.AssignedTo, FirstReadAt: d.FirstReadAt, ReporterMessageAt: d.ReporterMessageAt, MeetingAt: d.MeetingAt,
		FloodGroup: d.FloodGroup, FloodKind: d.FloodKind, Kind: d.Kind, UpdatedAt: d.UpdatedAt, StaffReadAt: d.StaffReadAt}
}

// syncIndex writes d's queue entry, or removes it when d is closed.
func (s *Store) syncIndex(ctx context.Context, d *caseDoc) error {
	return s.writeIndex(ctx, d, false)
}

// indexNewCase writes the first queue entry of case d, which is not
// stored yet: nobody else writes its entry meanwhile (a retry of the same
// submission writes the same one), so this instance's copy of the queue
// takes it without reading it back (queueView.takeOwn).
func (s *Store) indexNewCase(ctx context.Context, d *caseDoc) error {
	return s.writeIndex(ctx, d, true)
}

func (s *Store) writeIndex(ctx context.Context, d *caseDoc, fresh bool) error {
	if d.Status == StatusClosed {
		return s.dropIndexEntry(ctx, d.ForceID, d.ID)
	}
	filter := bson.D{{Key: "_id", Value: d.ID}}
	e := entryOf(d)
	var err error
	if fresh {
		// A new case's entry is inserted, with those of the cases taken at
		// the same moment (one write for them all); one already there (a
		// retry of the submission wrote it) is replaced.
		err = s.inserts.queue.InsertOne(ctx, e)
	} else {
		_, err = s.coll(collQueue).ReplaceOne(ctx, filter, e, options.Replace().SetUpsert(true))
	}
	if database.IsDuplicateKey(err) {
		// Two writers upserted the same new entry at once (retries of one
		// submission do), or a retry finds the entry an earlier attempt
		// wrote: replace it.
		_, err = s.coll(collQueue).ReplaceOne(ctx, filter, e)
	}
	if err != nil {
		return dbErr("update queue entry", err)
	}
	if fresh {
		return s.queueChangedWith(ctx, d.ID, &e)
	}
	return s.queueChanged(ctx, d.ID)
}

// dropIndexEntry removes case caseID's entry and marker. The change it
// appends names the case even when there was nothing to remove: every
// write of a closed case is followed by one, which the figures' copy of
// the facts follows (factview.go).
func (s *Store) dropIndexEntry(ctx context.Context, _ string, caseID string) error {
	if _, err := s.coll(collQueue).DeleteOne(ctx, bson.D{{Key: "_id", Value: caseID}}); err != nil {
		return dbErr("delete queue entry", err)
	}
	if _, err := s.clearMarker(ctx, caseID); err != nil {
		return err
	}
	return s.queueChanged(ctx, caseID)
}

// queueFromIndex answers a queue page for open cases from this instance's
// copy of the entries and markers (queueview.go), kept in queue order
// (queuesorted.go), then the alert states of the markers and of the page,
// each read by _id: a page costs O(page) whatever the queue's size (plus
// the entries a status or category filter passes over).
func (s *Store) queueFromIndex(ctx context.Context, forceID string, f QueueFilter) (QueuePage, error) {
	if err := s.queueSync(ctx); err != nil {
		return QueuePage{}, err
	}
	v := &s.queue
	v.mu.Lock()
	marked := v.markedIn(forceID)
	v.mu.Unlock()
	unacked, err := s.unackedCases(ctx, marked)
	if err != nil {
		return QueuePage{}, err
	}
	p := queuePage{forceID: forceID, filter: f, unacked: unacked}
	if f.Cursor != "" {
		c, _ := decodeCursor(f.Cursor)
		k := c.key()
		p.after = &k
	}
	v.mu.Lock()
	lines := v.page(p)
	v.mu.Unlock()
	page := QueuePage{Cases: make([]CaseSummary, 0, min(len(lines), f.Limit))}
	for i, l := range lines {
		if i == f.Limit {
			page.NextCursor = encodeCursor(openCursor(lines[i-1].key))
			break
		}
		page.Cases = append(page.Cases, l.sum)
	}
	return page, s.addAlertStates(ctx, page.Cases)
}

func entrySummary(e *queueEntry, unacked bool) CaseSummary {
	out := CaseSummary{ID: e.ID, Reference: e.Reference, Category: e.Category, Urgent: e.Urgent,
		UrgentReasons: e.UrgentReasons, Status: e.Status, CreatedAt: e.CreatedAt, AssignedTo: e.AssignedTo,
		FirstReadAt: e.FirstReadAt, ReporterMessageAt: e.ReporterMessageAt, MeetingAt: e.MeetingAt}
	out.Flood, out.Kind = e.FloodKind, e.Kind.orReport()
	if unacked {
		out.AlertState = AlertUnacknowledged
	}
	return out
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// repairQueue makes the index match the cases after a crash between two
// writes: it adds open cases missing from it and removes entries of cases
// closed or never stored. It reads every open case (a scan), so it runs
// with the retention sweep, not per request.
func (s *Store) repairQueue(ctx context.Context, now time.Time) (added, removed int, err error) {
	cur, err := s.coll(collCases).Find(ctx, bson.D{{Key: "status", Value: bson.D{{Key: "$ne", Value: StatusClosed}}}},
		options.Find().SetProjection(bson.D{{Key: "forceId", Value: 1}}))
	if err != nil {
		return 0, 0, dbErr("repair queue", err)
	}
	var open []caseDoc
	if err := cur.All(ctx, &open); err != nil {
		return 0, 0, dbErr("repair queue", err)
	}
	cur, err = s.coll(collQueue).Find(ctx, bson.D{})
	if err != nil {
		return 0, 0, dbErr("repair queue", err)
	}
	var entries []queueEntry
	if err := cur.All(ctx, &entries); err != nil {
		return 0, 0, dbErr("repair queue", err)
	}
	isOpen := make(map[string]bool, len(open))
	for _, d := range open {
		isOpen[d.ID] = true
	}
	indexed := map[string]bool{}
	for _, e := range entries {
		indexed[e.ID] = true
		if isOpen[e.ID] {
			continue
		}
		n, err := s.repairEntry(ctx, e.ForceID, e.ID, now.Sub(e.CreatedAt) >= ghostGrace)
		if err != nil {
			return added, removed, err
		}
		removed += n
	}
	for _, d := range open {
		if indexed[d.ID] {
			continue
		}
		if _, err := s.repairEntry(ctx, d.ForceID, d.ID, false); err != nil {
			return added, removed, err
		}
		added++
	}
	return added, removed, nil
}

// repairEntry re-reads case id under its lock and writes or removes its
// index entry accordingly; an entry without a case is removed only when
// dropMissing (it is past the grace period). It returns 1 when it removed one.
func (s *Store) repairEntry(ctx context.Context, forceID, id string, dropMissing bool) (int, error) {
	unlock := s.lock(id)
	defer unlock()
	d, err := s.loadCase(ctx, id)
	switch {
	case errors.Is(err, errkind.NotFound) && dropMissing:
		return 1, s.dropIndexEntry(ctx, forceID, id)
	case errors.Is(err, errkind.NotFound):
		return 0, nil
	case err != nil:
		return 0, err
	}
	if d.Status == StatusClosed {
		return 1, s.syncIndex(ctx, d)
	}
	return 0, s.syncIndex(ctx, d)
}
