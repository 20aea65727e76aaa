package reports

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"speaksafe/audit"
	"speaksafe/errkind"
)

// HistoryEntry is one step of a case's timeline: one entry of the audit
// chain about the case or its alert (whose id is the case id), never any
// text of the report, its messages or its notes.
type HistoryEntry struct {
	// Seq is the entry's place in the audit chain.
	Seq        int64
	At         time.Time
	Actor      string
	Action     string
	ObjectType string
	Detail     map[string]string
}

// AuditReader reads the audit chain's entries about one object, oldest
// first (wired to audit.Log.ForObject).
type AuditReader interface {
	// ForObject returns up to limit entries about object id of any of
	// types after sequence number after, in chain order.
	ForObject(ctx context.Context, types []string, id string, after int64, limit int) ([]HistoryEntry, error)
}

// History pages a case's timeline out of the audit chain, so that the
// timeline and the chain cannot disagree.
type History struct {
	cases *Store
	log   AuditReader
}

// NewHistory returns the timelines of cases in store, read from log.
func NewHistory(store *Store, log AuditReader) *History { return &History{cases: store, log: log} }

// Page sizes of a case history.
const (
	DefaultHistoryLimit = 200
	MaxHistoryLimit     = 500
)

// HistoryPage is one page of a timeline; Next is the Seq to page on from,
// 0 on the last page.
type HistoryPage struct {
	Entries []HistoryEntry
	Next    int64
}

// historyTypes are the audit object types whose entries about a case id
// belong to its timeline: the case, and its alert (same id).
var historyTypes = []string{"case", "alert"}

// Case returns up to limit steps of case id after chain entry after, for
// an officer or supervisor of the case's force (anyone else: NotFound).
// Each acknowledgement of the alert carries secondsToAcknowledge, counted
// from the report.
func (h *History) Case(ctx context.Context, id string, after int64, limit int) (HistoryPage, error) {
	if limit == 0 {
		limit = DefaultHistoryLimit
	}
	if limit < 1 || limit > MaxHistoryLimit || after < 0 {
		return HistoryPage{}, errkind.Invalid("limit", fmt.Sprintf("must be 1 to %d", MaxHistoryLimit))
	}
	_, d, err := h.cases.caseFor(ctx, id)
	if err != nil {
		return HistoryPage{}, err
	}
	entries, err := h.log.ForObject(ctx, historyTypes, d.ID, after, limit+1)
	if err != nil {
		return HistoryPage{}, fmt.Errorf("reports: history of %s: %w", d.ID, err)
	}
	page := HistoryPage{Entries: entries}
	if len(entries) > limit {
		page.Entries = entries[:limit]
		page.Next = page.Entries[limit-1].Seq
	}
	for i := range page.Entries {
		e := &page.Entries[i]
		if e.Action == "alert.acknowledged" {
			e.Detail = withDetail(e.Detail, "secondsToAcknowledge",
				strconv.FormatInt(int64(e.At.Sub(d.CreatedAt)/time.Second), 10))
		}
	}
	return page, nil
}

func withDetail(d map[string]string, k, v string) map[string]string {
	out := make(map[string]string, len(d)+1)
	for key, val := range d {
		out[key] = val
	}
	out[k] = v
	return out
}

// auditFinder is what the audit log (*audit.Log) offers beyond
// audit.Recorder: whether an entry about an object is stored. A Recorder
// without it (tools, tests) is never asked.
type auditFinder interface {
	Recorded(ctx context.Context, objectType, objectID, action string) (bool, error)
}

// created writes the case.created entry of case d, before d is stored:
// its category and why it is urgent, never its text. An error fails the
// report (nothing is stored; the retry resumes). Requests of this instance
// storing d at once write one entry (createdOnce); when resumed, an entry
// an earlier attempt wrote is looked for first, so that a retry after a
// crash between the entry and the case does not write a second one.
func (s *Store) created(ctx context.Context, d *caseDoc, resumed bool) error {
	ctx, cancel := context.WithTimeout(ctx, createdBudget)
	defer cancel()
	return s.createdOnce.do(ctx, d.ID, func() error {
		if f, ok := s.cfg.Audit.(auditFinder); ok && resumed {
			found, err := f.Recorded(ctx, "case", d.ID, "case.created")
			if err != nil {
				return fmt.Errorf("reports: case.created of %s: %w", d.ID, err)
			}
			if found {
				return nil
			}
		}
		return s.recordCreated(ctx, d)
	})
}

// recordCreated writes the case.created entry of d.
func (s *Store) recordCreated(ctx context.Context, d *caseDoc) error {
	detail := map[string]string{"category": string(d.Category), "urgent": strconv.FormatBool(d.Urgent)}
	if len(d.UrgentReasons) > 0 {
		reasons := make([]string, len(d.UrgentReasons))
		for i, r := range d.UrgentReasons {
			reasons[i] = string(r)
		}
		detail["reasons"] = strings.Join(reasons, ",")
	}
	if d.FloodKind != "" {
		detail["flood"] = string(d.FloodKind)
	}
	e := audit.Entry{Actor: ReporterActor, Action: "case.created", ObjectType: "case", ObjectID: d.ID, Detail: detail, New: true}
	r, ok := s.cfg.Audit.(storedRecorder)
	if !ok {
		return s.audit(ctx, e.Actor, e.Action, e.ObjectID, e.Detail)
	}
	if err := r.RecordStored(ctx, e); err != nil {
		return fmt.Errorf("reports: audit %s: %w", e.Action, err)
	}
	return nil
}

// storedRecorder is what the audit log (*audit.Log) offers beyond
// audit.Recorder: an answer as soon as the entry is stored, before the
// links that find it through the case are written.
type storedRecorder interface {
	RecordStored(ctx context.Context, e audit.Entry) error
}
