package console

import (
	"html/template"
	"slices"
	"strings"

	"github.com/gofiber/fiber/v2"

	"speaksafe/accounts"
	"speaksafe/content"
	"speaksafe/handlers"
)

func (c *Console) collectionRoutes() {
	school := handlers.Roles(accounts.RoleSchoolStaff, accounts.RoleSafeguardingLead)
	c.add(fiber.MethodGet, "/collection", school, c.collection)
	c.add(fiber.MethodPost, "/collection/add", school, c.collectionEdit(true))
	c.add(fiber.MethodPost, "/collection/remove", school, c.collectionEdit(false))
	c.add(fiber.MethodPost, "/collection/join-code", school, c.rotateJoinCode)
	c.add(fiber.MethodGet, "/collection/poster", school, c.poster)
}

type collectionView struct {
	Collection content.Collection
	JoinCode   string
	Shared     []content.Summary
	Addable    []content.Item
}

// collection shows the school's collection as pupils see it through the
// join code, and the school's published items that could be added.
func (c *Console) collection(ctx *fiber.Ctx) error {
	uctx := ctx.UserContext()
	col, err := c.d.Content.MyCollection(uctx)
	if err != nil {
		return err
	}
	shared, err := c.d.Content.CollectionByCode(uctx, col.JoinCode)
	if err != nil {
		return err
	}
	own, err := c.d.Content.ListOwn(uctx, content.StatePublished)
	if err != nil {
		return err
	}
	var addable []content.Item
	for _, it := range own {
		if it.Live && !slices.Contains(col.Items, it.ID) {
			addable = append(addable, it)
		}
	}
	return c.render(ctx, "collection", "School collection", collectionView{Collection: col,
		JoinCode: content.FormatJoinCode(col.JoinCode), Shared: shared.Items, Addable: addable})
}

// collectionEdit adds or removes one item, against the collection version
// the page showed (the API's If-Match).
func (c *Console) collectionEdit(add bool) fiber.Handler {
	return func(ctx *fiber.Ctx) error {
		col, err := c.d.Content.MyCollection(ctx.UserContext())
		if err != nil {
			return err
		}
		id := strings.Clone(ctx.FormValue("itemId"))
		items := slices.DeleteFunc(slices.Clone(col.Items), func(s string) bool { return s == id })
		if add {
			items = append(items, id)
		}
		if _, err := c.d.Content.SetCollection(ctx.UserContext(), formVersion(ctx), items); err != nil {
			return err
		}
		return redirect(ctx, "/collection")
	}
}

func (c *Console) rotateJoinCode(ctx *fiber.Ctx) error {
	if _, err := c.d.Content.RotateJoinCode(ctx.UserContext()); err != nil {
		return err
	}
	return redirect(ctx, "/collection")
}

type posterView struct {
	JoinCode string
	QR       template.URL
	School   string
}

// poster is a printable classroom poster: the join code large, and a QR
// code holding the same code for the app's scanner.
func (c *Console) poster(ctx *fiber.Ctx) error {
	uctx := ctx.UserContext()
	col, err := c.d.Content.MyCollection(uctx)
	if err != nil {
		return err
	}
	img, err := qrDataURI(content.FormatJoinCode(col.JoinCode))
	if err != nil {
		return err
	}
	who, _ := accounts.CallerFrom(uctx)
	org, err := c.d.Accounts.Organisation(uctx, who.OrgID)
	if err != nil {
		return err
	}
	return c.render(ctx, "poster", "Classroom poster", posterView{JoinCode: content.FormatJoinCode(col.JoinCode), QR: img, School: org.Name})
}
