package console

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"speaksafe/accounts"
	"speaksafe/handlers"
)

func (c *Console) organisationRoutes() {
	admin := handlers.Roles(accounts.RoleAdmin)
	c.add(fiber.MethodGet, "/organisations", admin, c.organisations)
	c.add(fiber.MethodPost, "/organisations", admin, c.createOrganisation)
}

type organisationsView struct {
	Items  []accounts.Organisation
	Forces []accounts.Organisation
	Next   string
}

func (c *Console) organisations(ctx *fiber.Ctx) error {
	items, err := c.d.Accounts.ListOrganisations(ctx.UserContext(), accounts.OrganisationQuery{
		After: strings.Clone(ctx.Query("after")), Limit: 100})
	if err != nil {
		return err
	}
	v := organisationsView{Items: items}
	for _, o := range items {
		if o.Kind == accounts.OrgForce {
			v.Forces = append(v.Forces, o)
		}
	}
	if len(items) == 100 {
		v.Next = items[len(items)-1].ID
	}
	return c.render(ctx, "organisations", "Organisations", v)
}

func (c *Console) createOrganisation(ctx *fiber.Ctx) error {
	o := accounts.Organisation{Kind: accounts.OrgKind(strings.Clone(ctx.FormValue("kind"))),
		Name: strings.Clone(ctx.FormValue("name")), Code: strings.Clone(ctx.FormValue("code")),
		Area: strings.Clone(ctx.FormValue("area")), NonEmergency: strings.Clone(ctx.FormValue("nonEmergency"))}
	if o.Kind == accounts.OrgSchool {
		o.ForceID = strings.Clone(ctx.FormValue("forceId"))
	}
	if _, err := c.d.Accounts.CreateOrganisation(ctx.UserContext(), o); err != nil {
		return err
	}
	return redirect(ctx, "/organisations")
}
