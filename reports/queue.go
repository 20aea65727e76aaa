package reports

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"speaksafe/errkind"
)

// Page sizes of the case queue.
const (
	DefaultQueueLimit = 25
	MaxQueueLimit     = 100
)

// QueueFilter selects and pages a force's case queue. An empty Status means
// every case that is not closed.
type QueueFilter struct {
	Status   Status
	Category Category
	Cursor   string
	Limit    int
}

// Validate reports every problem with f.
func (f *QueueFilter) Validate() error {
	v := &errkind.ValidationError{}
	v.Check(f.Status != "" && !f.Status.Valid(), "status", "must be new, acknowledged, in_progress or closed")
	v.Check(f.Category != "" && !f.Category.Valid(), "category", "must be one of the listed categories")
	v.Check(f.Limit < 0 || f.Limit > MaxQueueLimit, "limit", "must be between 1 and 100")
	if f.Cursor != "" {
		c, err := decodeCursor(f.Cursor)
		v.Check(err != nil || c.Kind != f.cursorKind(), "cursor", "is not a cursor this server gave out for this view")
	}
	return v.Err()
}

// cursorKind is the kind of cursor this filter's view gives out: the open
// queue and the closed view sort differently.
func (f *QueueFilter) cursorKind() string {
	if f.Status == StatusClosed {
		return cursorClosed
	}
	return cursorOpen
}

// CaseSummary is one line of the queue: no report text, no contact details.
type CaseSummary struct {
	ID                string
	Reference         string
	Category          Category
	Urgent            bool
	UrgentReasons     []Reason
	Status            Status
	CreatedAt         time.Time
	AssignedTo        string
	FirstReadAt       *time.Time
	ReporterMessageAt *time.Time
	// MeetingAt is when the reporter said a meeting is planned, if given.
	MeetingAt *time.Time
	// AlertState is where the case's urgent alert stands; empty when it
	// has none (routine) or the alert engine has not recorded one yet.
	AlertState AlertState
	// Flood says which threshold an urgent report arrived beyond (it was
	// paged in a digest with the rest of its flood); empty when none.
	Flood FloodKind
	// Kind is KindReport or KindConcern.
	Kind Kind
}

// QueuePage is one page of the queue; NextCursor is empty on the last page.
type QueuePage struct {
	Cases      []CaseSummary
	NextCursor string
}

// Cursor kinds.
const (
	cursorOpen   = "o"
	cursorClosed = "c"
)

// cursor is the sort key of the last case of a page. The open queue's
// cursor carries a queueKey; the closed view's the (urgent, createdAt, id)
// of its MongoDB sort. Its JSON, base64url-encoded, is the opaque cursor
// token clients hand back: a token format of its own, not a wire type.
type cursor struct {
	Kind      string     `json:"k"`
	Urgent    bool       `json:"u,omitempty"`
	CreatedAt time.Time  `json:"t"`
	ID        string     `json:"i"`
	Unacked   bool       `json:"a,omitempty"`
	Severity  Severity   `json:"s,omitempty"`
	MeetingAt *time.Time `json:"m,omitempty"`
}

func openCursor(k queueKey) cursor {
	return cursor{Kind: cursorOpen, CreatedAt: k.CreatedAt, ID: k.ID, Unacked: k.Unacked, Severity: k.Severity, MeetingAt: k.MeetingAt}
}

func (c cursor) key() queueKey {
	return queueKey{Unacked: c.Unacked, Severity: c.Severity, MeetingAt: c.MeetingAt, CreatedAt: c.CreatedAt, ID: c.ID}
}

func encodeCursor(c cursor) string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s string) (cursor, error) {
	var c cursor
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) > 256 {
		return c, fmt.Errorf("reports: cursor: malformed")
	}
	if err := json.Unmarshal(b, &c); err != nil || c.ID == "" || (c.Kind != cursorOpen && c.Kind != cursorClosed && c.Kind != cursorConcerns) {
		return c, fmt.Errorf("reports: cursor: malformed")
	}
	return c, nil
}

// summaryProjection keeps sealed fields out of the queue scan's results.
var summaryProjection = bson.D{
	{Key: "reference", Value: 1}, {Key: "category", Value: 1}, {Key: "urgent", Value: 1},
	{Key: "urgentReasons", Value: 1}, {Key: "status", Value: 1}, {Key: "createdAt", Value: 1},
	{Key: "assignedTo", Value: 1}, {Key: "firstReadAt", Value: 1}, {Key: "reporterMessageAt", Value: 1},
	{Key: "forceId", Value: 1}, {Key: "meetingAt", Value: 1}, {Key: "floodKind", Value: 1},
	{Key: "kind", Value: 1},
}

// Queue returns the caller's force's cases. Open cases come in queue order
// (see queueKey and docs/urgency.md) from the force's queue entries (see
// queueindex.go); closed ones, urgent first then oldest first, from a query with the force scope in
// the filter, which MongoDB serves from the "queue" index and the embedded
// store by a scan (see docs/reports.md for the measured costs).
func (s *Store) Queue(ctx context.Context, f QueueFilter) (QueuePage, error) {
	caller, err := handlerFrom(ctx)
	if err != nil {
		return QueuePage{}, err
	}
	if err := f.Validate(); err != nil {
		return QueuePage{}, err
	}
	if f.Limit == 0 {
		f.Limit = DefaultQueueLimit
	}
	if f.Status != StatusClosed {
		return s.queueFromIndex(ctx, caller.ForceID, f)
	}
	filter := bson.D{{Key: "forceId", Value: caller.ForceID}}
	if f.Status != "" {
		filter = append(filter, bson.E{Key: "status", Value: f.Status})
	} else {
		filter = append(filter, bson.E{Key: "status", Value: bson.D{{Key: "$ne", Value: StatusClosed}}})
	}
	if f.Category != "" {
		filter = append(filter, bson.E{Key: "category", Value: f.Category})
	}
	if f.Cursor != "" {
		c, _ := decodeCursor(f.Cursor)
		filter = append(filter, bson.E{Key: "$or", Value: after(c)})
	}
	opts := options.Find().
		SetSort(bson.D{{Key: "urgent", Value: -1}, {Key: "createdAt", Value: 1}, {Key: "_id", Value: 1}}).
		SetLimit(int64(f.Limit + 1)).SetProjection(summaryProjection)
	cur, err := s.coll(collCases).Find(ctx, filter, opts)
	if err != nil {
		return QueuePage{}, dbErr("queue", err)
	}
	var docs []caseDoc
	if err := cur.All(ctx, &docs); err != nil {
		return QueuePage{}, dbErr("queue", err)
	}
	page := QueuePage{Cases: make([]CaseSummary, 0, min(len(docs), f.Limit))}
	for i, d := range docs {
		if i == f.Limit {
			last := docs[i-1]
			page.NextCursor = encodeCursor(cursor{Kind: cursorClosed, Urgent: last.Urgent, CreatedAt: last.CreatedAt, ID: last.ID})
			break
		}
		page.Cases = append(page.Cases, summary(&d))
	}
	return page, s.addAlertStates(ctx, page.Cases)
}

// after selects the cases that sort after c in (urgent desc, createdAt asc,
// _id asc) order.
func after(c cursor) bson.A {
	sameUrgency := bson.E{Key: "urgent", Value: c.Urgent}
	a := bson.A{
		bson.D{sameUrgency, {Key: "createdAt", Value: bson.D{{Key: "$gt", Value: c.CreatedAt}}}},
		bson.D{sameUrgency, {Key: "createdAt", Value: c.CreatedAt}, {Key: "_id", Value: bson.D{{Key: "$gt", Value: c.ID}}}},
	}
	if c.Urgent {
		a = append(a, bson.D{{Key: "urgent", Value: false}})
	}
	return a
}

func summary(d *caseDoc) CaseSummary {
	return CaseSummary{
		ID: d.ID, Reference: d.Reference, Category: d.Category, Urgent: d.Urgent,
		UrgentReasons: d.UrgentReasons, Status: d.Status, CreatedAt: d.CreatedAt,
		AssignedTo: d.AssignedTo, FirstReadAt: d.FirstReadAt, ReporterMessageAt: d.ReporterMessageAt, MeetingAt: d.MeetingAt,
		Flood: d.FloodKind, Kind: d.Kind.orReport(),
	}
}

// addAlertStates fills in the alert state of each urgent case of a page:
// one lookup by _id each, so a page costs O(page) whatever the queue's size.
// An urgent case with no state recorded is open (see AlertOpen).
func (s *Store) addAlertStates(ctx context.Context, cases []CaseSummary) error {
	var ids []string
	for _, c := range cases {
		if c.Urgent && c.AlertState == "" {
			ids = append(ids, c.ID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	states, err := s.alertStates(ctx, ids)
	if err != nil {
		return err
	}
	for i := range cases {
		if st, ok := states[cases[i].ID]; ok {
			cases[i].AlertState = st
		} else if cases[i].Urgent && cases[i].AlertState == "" {
			cases[i].AlertState = AlertOpen
		}
	}
	return nil
}
