// Package auditlog is the reading of the audit log by information
// governance leads: admins read every entry, a supervisor the entries of
// their own force — those about its cases and alerts, its members, or
// made by its members. Another force's entry is never shown to them, and a
// case or user of another force asked for by id is "not found".
package auditlog

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"speaksafe/accounts"
	"speaksafe/audit"
	"speaksafe/errkind"
)

// Users looks up members of staff (accounts.Store satisfies it).
type Users interface {
	LookupUser(ctx context.Context, id string) (accounts.User, error)
}

// Cases names the force of a case (reports.Store satisfies it).
type Cases interface {
	CaseForce(ctx context.Context, id string) (string, error)
}

// Filter narrows a reading. Empty fields match everything.
type Filter struct {
	CaseID, UserID, Action string
	From, To               time.Time
	After                  int64 // the cursor: entries after this sequence number
}

// Validate reports a reversed time range.
func (f Filter) Validate() error {
	if !f.From.IsZero() && !f.To.IsZero() && !f.To.After(f.From) {
		return errkind.Invalid("to", "must be after from")
	}
	return nil
}

// caseObjects are the object types whose id is a case id.
var caseObjects = []string{"case", "alert"}

// Reader reads the log for the signed-in caller.
type Reader struct {
	log   *audit.Log
	users Users
	cases Cases
}

// NewReader returns a Reader over log.
func NewReader(log *audit.Log, users Users, cases Cases) *Reader {
	return &Reader{log: log, users: users, cases: cases}
}

// batch is how many entries one read of the log fetches; maxScan bounds
// how many a supervisor's page looks through before it answers with what
// it found and a cursor to go on from.
const (
	batch   = 200
	maxScan = 5000
)

// Page returns up to limit entries the caller may see matching f, oldest
// first, and the cursor of the next page (0 when there is none).
func (r *Reader) Page(ctx context.Context, f Filter, limit int) ([]audit.Record, int64, error) {
	out := []audit.Record{}
	scanned := 0
	// One entry past the page says whether there is another, so one read
	// of limit+1 serves a page (a read costs one lookup per entry on the
	// embedded store).
	last, err := r.each(ctx, f, min(batch, limit+1), func(rec audit.Record) bool {
		scanned++
		return len(out) < limit && scanned <= maxScan
	}, func(rec audit.Record) { out = append(out, rec) })
	if err != nil {
		return nil, 0, err
	}
	return out, last, nil
}

// Export calls emit for up to max entries the caller may see matching f,
// oldest first, until emit fails, and answers the cursor to go on from (0
// when every entry was emitted). The export is itself audited
// (audit.exported, with its filters and count): a copy of the log leaves
// the service.
func (r *Reader) Export(ctx context.Context, f Filter, max int, emit func(audit.Record) error) (int64, error) {
	var emitErr error
	n := 0
	next, err := r.each(ctx, f, batch, func(audit.Record) bool { return emitErr == nil && n < max }, func(rec audit.Record) {
		n++
		emitErr = emit(rec)
	})
	if err := errors.Join(err, emitErr); err != nil {
		return 0, err
	}
	c, _ := accounts.CallerFrom(ctx)
	detail := map[string]string{"entries": strconv.Itoa(n), "caseId": f.CaseID, "userId": f.UserID, "action": f.Action}
	if err := r.log.Record(ctx, audit.Entry{Actor: c.UserID, Action: "audit.exported", ObjectType: "audit_log",
		Detail: detail}); err != nil {
		return 0, fmt.Errorf("auditlog: record export: %w", err)
	}
	return next, nil
}

// each walks the entries matching f in batches of size. more is asked before each
// entry is looked at; when it says no, each stops and answers the sequence
// number after which to go on. take gets each visible entry.
func (r *Reader) each(ctx context.Context, f Filter, size int, more func(audit.Record) bool, take func(audit.Record)) (int64, error) {
	if err := f.Validate(); err != nil {
		return 0, err
	}
	sc, err := r.scope(ctx, f)
	if err != nil {
		return 0, err
	}
	q := audit.Query{Actor: f.UserID, Action: f.Action, From: f.From, To: f.To, After: f.After}
	if f.CaseID != "" {
		q.ObjectTypes, q.ObjectID = caseObjects, f.CaseID
	}
	for {
		recs, err := r.log.Search(ctx, q, size)
		if err != nil {
			return 0, err
		}
		for _, rec := range recs {
			if !more(rec) {
				return q.After, nil
			}
			q.After = rec.Seq
			ok, err := sc.sees(ctx, rec)
			if err != nil {
				return 0, err
			}
			if ok {
				take(rec)
			}
		}
		if len(recs) < size {
			return 0, nil
		}
	}
}

// scope is who may see what: nil force for an admin.
func (r *Reader) scope(ctx context.Context, f Filter) (*scope, error) {
	c, _ := accounts.CallerFrom(ctx)
	switch {
	case c.Role == accounts.RoleAdmin:
		return &scope{}, nil
	case c.Role != accounts.RoleSupervisor || c.OrgKind != accounts.OrgForce || c.ForceID == "":
		return nil, fmt.Errorf("auditlog: role %s: %w", c.Role, errkind.Forbidden)
	}
	s := &scope{r: r, force: c.ForceID, cases: map[string]bool{}, users: map[string]bool{}}
	if f.CaseID != "" {
		if ok, err := s.ownCase(ctx, f.CaseID); err != nil || !ok {
			return nil, errors.Join(err, fmt.Errorf("auditlog: case %s: %w", f.CaseID, errkind.NotFound))
		}
	}
	if f.UserID != "" {
		if ok, err := s.ownUser(ctx, f.UserID); err != nil || !ok {
			return nil, errors.Join(err, fmt.Errorf("auditlog: user %s: %w", f.UserID, errkind.NotFound))
		}
	}
	return s, nil
}
