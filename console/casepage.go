package console

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"speaksafe/accounts"
	"speaksafe/handlers"
	"speaksafe/reports"
)

// caseRoutes are one case's page and what its handlers do there: write to
// the reporter, add a note, assign, change the status, export.
func (c *Console) caseRoutes() {
	p := handlers.Roles(handlerRoles()...) // the store scopes each case to the caller's force
	c.add(fiber.MethodGet, "/cases/:id", p, c.casePage)
	c.add(fiber.MethodPost, "/cases/:id/messages", p, c.caseMessage)
	c.add(fiber.MethodPost, "/cases/:id/notes", p, c.caseNote)
	c.add(fiber.MethodPost, "/cases/:id/assignment", p, c.caseAssign)
	c.add(fiber.MethodPost, "/cases/:id/status", p, c.caseStatus)
	c.add(fiber.MethodPost, "/cases/:id/export", p, c.caseExport)
}

// caseExport answers the case's signed export bundle as a download, as
// POST /v1/cases/{id}/export does (same scope, audited before anything is
// read); a POST, so that the export needs the form's CSRF token.
func (c *Console) caseExport(ctx *fiber.Ctx) error {
	b, err := c.d.Reports.Export(ctx.UserContext(), strings.Clone(ctx.Params("id")))
	if err != nil {
		return err
	}
	return handlers.SendExport(ctx, b)
}

type caseView struct {
	Case         reports.CaseDetail
	Related      string
	Colleagues   []accounts.User
	Dispositions []reports.Disposition
	Names        map[string]string
	// Oversight (caseoversight.go): the cases naming the same handles,
	// and whether the caller may read the audit log.
	Matches      reports.HandleMatches
	OtherForces  []string
	CanReadAudit bool
}

// casePage reads the case as GET /v1/cases/{id} does (scoped to the
// officer's force, the read audited) with the people it can be assigned to.
func (c *Console) casePage(ctx *fiber.Ctx) error {
	id := strings.Clone(ctx.Params("id"))
	d, err := c.d.Reports.Case(ctx.UserContext(), id)
	if err != nil {
		return err
	}
	related, err := c.d.Reports.RelatedReference(ctx.UserContext(), id)
	if err != nil {
		return err
	}
	people, err := c.d.Accounts.Directory(ctx.UserContext(), "", 100)
	if err != nil {
		return err
	}
	names := map[string]string{}
	for _, u := range people {
		names[u.ID] = u.Name
	}
	v := caseView{Case: d, Related: related, Colleagues: people, Dispositions: reports.Dispositions(), Names: names}
	if err := c.caseOversight(ctx, id, &v); err != nil {
		return err
	}
	return c.render(ctx, "case", "Case "+d.Reference, v)
}

func (c *Console) caseMessage(ctx *fiber.Ctx) error {
	id := strings.Clone(ctx.Params("id"))
	if _, err := c.d.Reports.AddStaffMessage(ctx.UserContext(), id, strings.Clone(ctx.FormValue("body"))); err != nil {
		return err
	}
	return redirect(ctx, "/cases/"+id+"#messages")
}

func (c *Console) caseNote(ctx *fiber.Ctx) error {
	id := strings.Clone(ctx.Params("id"))
	if _, err := c.d.Reports.AddNote(ctx.UserContext(), id, strings.Clone(ctx.FormValue("body"))); err != nil {
		return err
	}
	return redirect(ctx, "/cases/"+id+"#notes")
}

func (c *Console) caseAssign(ctx *fiber.Ctx) error {
	id := strings.Clone(ctx.Params("id"))
	if err := c.d.Reports.Assign(ctx.UserContext(), id, strings.Clone(ctx.FormValue("userId"))); err != nil {
		return err
	}
	return redirect(ctx, "/cases/"+id)
}

func (c *Console) caseStatus(ctx *fiber.Ctx) error {
	id := strings.Clone(ctx.Params("id"))
	_, err := c.d.Reports.SetStatus(ctx.UserContext(), id, reports.StatusChange{
		Status:      reports.Status(strings.Clone(ctx.FormValue("status"))),
		Disposition: reports.Disposition(strings.Clone(ctx.FormValue("disposition"))),
		Outcome:     strings.Clone(ctx.FormValue("outcome")),
	})
	if err != nil {
		return err
	}
	return redirect(ctx, "/cases/"+id)
}
