package console

import (
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"speaksafe/audit"
	"speaksafe/auditlog"
	"speaksafe/errkind"
)

// auditPageSize is how many entries one page of a case's audit log shows.
const auditPageSize = 25

type caseAuditView struct {
	CaseID  string
	Entries []audit.Record
	Names   map[string]string
	Next    string
}

// caseAudit is the audit log of one case as GET /v1/audit?caseId= reads
// it: supervisors of the case's force (another force's case is "not
// found") and admins; oldest first, a page at a time.
func (c *Console) caseAudit(ctx *fiber.Ctx) error {
	f := auditlog.Filter{CaseID: strings.Clone(ctx.Params("id"))}
	if s := ctx.Query("cursor"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 1 {
			return errkind.Invalid("cursor", "is not a cursor this console gave out")
		}
		f.After = n
	}
	recs, next, err := c.d.AuditLog.Page(ctx.UserContext(), f, auditPageSize)
	if err != nil {
		return err
	}
	names, err := c.staffNames(ctx)
	if err != nil {
		return err
	}
	v := caseAuditView{CaseID: f.CaseID, Entries: recs, Names: names}
	if next > 0 {
		v.Next = strconv.FormatInt(next, 10)
	}
	return c.render(ctx, "caseaudit", "Audit log of a case", v)
}

// staffNames names the members of the caller's organisation the directory
// shows them (an admin: nobody, as ids stay).
func (c *Console) staffNames(ctx *fiber.Ctx) (map[string]string, error) {
	names := map[string]string{}
	people, err := c.d.Accounts.Directory(ctx.UserContext(), "", 100)
	if err != nil {
		return nil, err
	}
	for _, u := range people {
		names[u.ID] = u.Name
	}
	return names, nil
}
