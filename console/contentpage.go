package console

import (
	"html/template"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"speaksafe/accounts"
	"speaksafe/content"
	"speaksafe/handlers"
)

func (c *Console) contentRoutes() {
	authors := handlers.Roles(authorRoles()...)
	reviewers := handlers.Roles(accounts.RoleSafeguardingLead, accounts.RoleAdmin)
	c.add(fiber.MethodGet, "/content", authors, c.contentList)
	c.add(fiber.MethodGet, "/content/new", authors, c.contentNew)
	c.add(fiber.MethodPost, "/content", authors, c.contentCreate)
	c.add(fiber.MethodPost, "/content/preview", authors, c.contentPreview)
	c.add(fiber.MethodGet, "/content/:id", authors, c.contentItem)
	c.add(fiber.MethodPost, "/content/:id", authors, c.contentUpdate)
	c.add(fiber.MethodPost, "/content/:id/submit", authors, c.contentStep(func(x stepCtx) (content.Item, error) {
		return c.d.Content.Submit(x.ctx.UserContext(), x.id, x.version)
	}))
	c.add(fiber.MethodPost, "/content/:id/publish", reviewers, c.contentStep(func(x stepCtx) (content.Item, error) {
		return c.d.Content.Publish(x.ctx.UserContext(), x.id, x.version)
	}))
	c.add(fiber.MethodPost, "/content/:id/send-back", reviewers, c.contentStep(func(x stepCtx) (content.Item, error) {
		return c.d.Content.SendBack(x.ctx.UserContext(), x.id, x.version, strings.Clone(x.ctx.FormValue("comment")))
	}))
	c.add(fiber.MethodPost, "/content/:id/withdraw", reviewers, c.contentStep(func(x stepCtx) (content.Item, error) {
		return c.d.Content.Withdraw(x.ctx.UserContext(), x.id, x.version)
	}))
}

type contentListView struct {
	Items []content.Item
}

func (c *Console) contentList(ctx *fiber.Ctx) error {
	items, err := c.d.Content.ListOwn(ctx.UserContext(), "")
	if err != nil {
		return err
	}
	return c.render(ctx, "content", "Content", contentListView{Items: items})
}

type itemView struct {
	Item      content.Item
	New       bool
	Preview   template.HTML
	Welsh     *content.Item
	WelshHTML template.HTML
	AgeBands  []string
	Topics    []string
	Reviewer  bool
}

func (c *Console) itemView(ctx *fiber.Ctx, it content.Item) itemView {
	who, _ := accounts.CallerFrom(ctx.UserContext())
	return itemView{Item: it, New: it.ID == "", Preview: c.renderMarkdown(it.Body), AgeBands: content.AgeBands,
		Topics: content.Topics, Reviewer: who.Role == accounts.RoleSafeguardingLead || who.Role == accounts.RoleAdmin}
}

// renderMarkdown renders as the app's content is rendered: goldmark, then
// bluemonday's sanitising policy (content.Renderer).
func (c *Console) renderMarkdown(body string) template.HTML {
	return template.HTML(c.md.HTML(body)) // sanitised by content.Renderer
}

func (c *Console) contentNew(ctx *fiber.Ctx) error {
	it := content.Item{Draft: content.Draft{Locale: content.LocaleEnglish}}
	return c.render(ctx, "item", "New content", c.itemView(ctx, it))
}

func draftFrom(ctx *fiber.Ctx) content.Draft {
	return content.Draft{Slug: strings.Clone(ctx.FormValue("slug")), Locale: strings.Clone(ctx.FormValue("locale")),
		Title: strings.Clone(ctx.FormValue("title")), Summary: strings.Clone(ctx.FormValue("summary")),
		Body: strings.Clone(ctx.FormValue("body")), AgeBands: formList(ctx, "ageBands"),
		Topics: formList(ctx, "topics"), Helplines: []string{}}
}

func (c *Console) contentCreate(ctx *fiber.Ctx) error {
	it, err := c.d.Content.Create(ctx.UserContext(), draftFrom(ctx))
	if err != nil {
		return err
	}
	return redirect(ctx, "/content/"+it.ID)
}

// contentPreview answers the rendered, sanitised HTML of a Markdown body,
// for the editor's live preview.
func (c *Console) contentPreview(ctx *fiber.Ctx) error {
	ctx.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return ctx.SendString(c.md.HTML(ctx.FormValue("body")))
}

// contentItem shows an item, its preview and, when the same slug exists in
// Welsh, the Welsh version beside it as children would see it.
func (c *Console) contentItem(ctx *fiber.Ctx) error {
	it, err := c.d.Content.Get(ctx.UserContext(), strings.Clone(ctx.Params("id")))
	if err != nil {
		return err
	}
	v := c.itemView(ctx, it)
	if it.Locale != content.LocaleWelsh {
		own, err := c.d.Content.ListOwn(ctx.UserContext(), "")
		if err != nil {
			return err
		}
		for i := range own {
			if own[i].Slug == it.Slug && own[i].Locale == content.LocaleWelsh {
				v.Welsh, v.WelshHTML = &own[i], c.renderMarkdown(own[i].Body)
			}
		}
	}
	return c.render(ctx, "item", it.Title, v)
}

func formVersion(ctx *fiber.Ctx) int64 {
	v, _ := strconv.ParseInt(ctx.FormValue("version"), 10, 64)
	return v
}

func (c *Console) contentUpdate(ctx *fiber.Ctx) error {
	id := strings.Clone(ctx.Params("id"))
	if _, err := c.d.Content.Update(ctx.UserContext(), id, formVersion(ctx), draftFrom(ctx)); err != nil {
		return err
	}
	return redirect(ctx, "/content/"+id)
}

type stepCtx struct {
	ctx     *fiber.Ctx
	id      string
	version int64
}

// contentStep runs one workflow step against the version the form showed
// (the API's If-Match), then shows the item again.
func (c *Console) contentStep(f func(stepCtx) (content.Item, error)) fiber.Handler {
	return func(ctx *fiber.Ctx) error {
		id := strings.Clone(ctx.Params("id"))
		if _, err := f(stepCtx{ctx: ctx, id: id, version: formVersion(ctx)}); err != nil {
			return err
		}
		return redirect(ctx, "/content/"+id)
	}
}
