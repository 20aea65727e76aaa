package console

import (
	"github.com/gofiber/fiber/v2"

	"speaksafe/accounts"
	"speaksafe/reports"
)

// caseOversight adds to a case page what GET /v1/cases/{id}/history and
// the case's relatedCases give an officer: the timeline out of the audit
// chain (first page) and the cases naming the same online handles, with
// only a count and the names of other forces that have any.
func (c *Console) caseOversight(ctx *fiber.Ctx, id string, v *caseView) error {
	uctx := ctx.UserContext()
	page, err := c.d.History.Case(uctx, id, 0, reports.DefaultHistoryLimit)
	if err != nil {
		return err
	}
	v.History, v.HistoryMore = page.Entries, page.Next > 0
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
