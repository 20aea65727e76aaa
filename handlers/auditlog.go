package handlers

import (
	"bufio"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"speaksafe/audit"
	"speaksafe/auditlog"
	"speaksafe/errkind"
)

// auditEntry is an entry as a reader sees it; the chain's hashes stay out
// (audit verify checks them).
type auditEntry struct {
	// Seq is the entry's place in the chain (1, 2, …; a gap or a break
	// entry is what audit verify reports).
	Seq int64     `json:"seq"`
	At  time.Time `json:"at"`
	// Actor is a user id, "reporter" for the young person, or "system" or
	// "system:<work>" for work nobody signed in did.
	Actor  string `json:"actor"`
	Action string `json:"action"`
	// ObjectType and ObjectID name what the action was about (a case, a
	// user, an organisation …).
	ObjectType string `json:"objectType"`
	ObjectID   string `json:"objectId"`
	// Detail holds short facts (a new role, a referral id); never secrets
	// or report text.
	Detail map[string]string `json:"detail,omitempty"`
}

func toAuditEntry(r audit.Record) auditEntry {
	return auditEntry{Seq: r.Seq, At: r.At, Actor: r.Actor, Action: r.Action, ObjectType: r.ObjectType,
		ObjectID: r.ObjectID, Detail: r.Detail}
}

func (h *Audit) list(c *fiber.Ctx) error {
	f, err := auditFilter(c)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	if wantsJSONLines(c) {
		return h.export(c, f)
	}
	limit, err := pageLimit(c)
	if err != nil {
		return err
	}
	recs, next, err := h.reader.Page(c.UserContext(), f, limit)
	if err != nil {
		return err
	}
	out := listResponse[auditEntry]{Items: make([]auditEntry, len(recs))}
	for i, r := range recs {
		out.Items[i] = toAuditEntry(r)
	}
	if next > 0 {
		out.Next = strconv.FormatInt(next, 10)
	}
	return c.JSON(out)
}

// maxExport bounds one JSON Lines answer (about 12 MB); a longer export
// goes on from the cursor in the Export-Next-Cursor header.
const maxExport = 50000

// export writes the matching entries as JSON Lines, up to maxExport of
// them; when there are more, Export-Next-Cursor says where to go on.
func (h *Audit) export(c *fiber.Ctx, f auditlog.Filter) error {
	ctx := c.UserContext()
	var b strings.Builder
	w := bufio.NewWriter(&b)
	enc := json.NewEncoder(w)
	next, err := h.reader.Export(ctx, f, maxExport, func(r audit.Record) error { return enc.Encode(toAuditEntry(r)) })
	if err != nil {
		return err
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if next > 0 {
		c.Set("Export-Next-Cursor", strconv.FormatInt(next, 10))
	}
	c.Set(fiber.HeaderContentType, "application/x-ndjson")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="speaksafe-audit.jsonl"`)
	return c.SendString(b.String())
}

// wantsJSONLines reports whether the client asked for the JSON Lines
// export, by ?format=jsonl or Accept: application/x-ndjson.
func wantsJSONLines(c *fiber.Ctx) bool {
	if c.Query("format") == "jsonl" {
		return true
	}
	return c.Query("format") == "" && c.Accepts(fiber.MIMEApplicationJSON, "application/x-ndjson") == "application/x-ndjson"
}

// auditFilter reads the filters, collecting every problem.
func auditFilter(c *fiber.Ctx) (auditlog.Filter, error) {
	v := &errkind.ValidationError{}
	f := auditlog.Filter{CaseID: strings.Clone(c.Query("caseId")), UserID: strings.Clone(c.Query("userId")),
		Action: strings.Clone(c.Query("action"))}
	for name, s := range map[string]string{"caseId": f.CaseID, "userId": f.UserID, "action": f.Action} {
		v.Check(len(s) > 64, name, "must be at most 64 characters")
	}
	var err error
	f.From, err = optionalTime(c.Query("from"), time.Time{})
	v.Check(err != nil, "from", "must be an RFC 3339 time, e.g. 2026-11-01T00:00:00Z")
	f.To, err = optionalTime(c.Query("to"), time.Time{})
	v.Check(err != nil, "to", "must be an RFC 3339 time, e.g. 2026-12-01T00:00:00Z")
	format := c.Query("format")
	v.Check(format != "" && format != "json" && format != "jsonl", "format", "must be json or jsonl")
	cursor, err := pageCursor(c)
	if err != nil {
		return f, err
	}
	if cursor != "" {
		f.After, err = strconv.ParseInt(cursor, 10, 64)
		v.Check(err != nil || f.After < 0, "cursor", "must be the next value of the previous page")
	}
	if err := v.Err(); err != nil {
		return f, err
	}
	return f, f.Validate()
}

// verify checks the chain now (the monitor's own check, from where it last
// stopped) and answers its state, as /v1/audit/status does.
func (h *Audit) verify(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(toAuditStatus(h.monitor.Check(c.UserContext())))
}
