package console

import (
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"speaksafe/accounts"
	"speaksafe/errkind"
)

// caseOversight adds to a case page what the case's relatedCases give an
// officer in the API: the cases naming the same online handles, with only
// a count and the names of other forces that have any; and whether the
// caller may read the audit log. The timeline has its own screen
// (caseHistory): it is read out of the audit chain, which opening a case
// need not pay for.
func (c *Console) caseOversight(ctx *fiber.Ctx, id string, v *caseView) error {
	uctx := ctx.UserContext()
	var err error
	if v.Matches, err = c.d.Reports.RelatedCases(uctx, id); err != nil {
		return err
	}
	for _, fid := range v.Matches.OtherForces {
		o, err := c.d.Accounts.GetOrganisation(uctx, fid)
		if err != nil {
			return err
		}
		v.OtherForces = append(v.OtherForces, o.Name)
	}
	who, _ := accounts.CallerFrom(uctx)
	v.CanReadAudit = who.Role == accounts.RoleSupervisor
	return nil
}

type historyView struct {
	CaseID       string
	Steps        []historyStep
	Names        map[string]string
	Next         string
	CanReadAudit bool
}

// historyPageSize is how many steps one page of a case's timeline shows
// (each step is one read of the audit log).
const historyPageSize = 25

// caseHistory is a case's timeline as GET /v1/cases/{id}/history gives it
// (the officers and supervisors of the case's force; anyone else: 404),
// a page of steps at a time, naming the force's staff: who took each step
// and whom it assigned or paged (the API gives their ids).
func (c *Console) caseHistory(ctx *fiber.Ctx) error {
	id := strings.Clone(ctx.Params("id"))
	var after int64
	if s := ctx.Query("cursor"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 1 {
			return errkind.Invalid("cursor", "is not a cursor this console gave out")
		}
		after = n
	}
	uctx := ctx.UserContext()
	page, err := c.d.History.Case(uctx, id, after, historyPageSize)
	if err != nil {
		return err
	}
	steps, names, err := c.namedSteps(uctx, page.Entries)
	if err != nil {
		return err
	}
	who, _ := accounts.CallerFrom(uctx)
	v := historyView{CaseID: id, Steps: steps, Names: names, CanReadAudit: who.Role == accounts.RoleSupervisor}
	if page.Next > 0 {
		v.Next = strconv.FormatInt(page.Next, 10)
	}
	return c.render(ctx, "casehistory", "History of a case", v)
}
