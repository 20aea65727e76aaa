package console

import (
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"path"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"speaksafe/accounts"
)

//go:embed templates/*.html
var templateFS embed.FS

// pages holds one parsed template set per screen: the shared layout plus
// that screen's file, which defines "content".
type pages struct {
	byName map[string]*template.Template
}

func parsePages() (*pages, error) {
	funcs := template.FuncMap{
		"when":  when,
		"label": func(s string) string { return strings.ReplaceAll(s, "_", " ") },
		"join":  strings.Join,
		"add1":  func(i int) int { return i + 1 },
	}
	base, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html")
	if err != nil {
		return nil, err
	}
	files, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	p := &pages{byName: map[string]*template.Template{}}
	for _, f := range files {
		name := strings.TrimSuffix(path.Base(f), ".html")
		if name == "layout" {
			continue
		}
		t, err := template.Must(base.Clone()).ParseFS(templateFS, f)
		if err != nil {
			return nil, fmt.Errorf("template %s: %w", name, err)
		}
		p.byName[name] = t
	}
	return p, nil
}

func when(t any) string {
	switch v := t.(type) {
	case time.Time:
		if v.IsZero() {
			return ""
		}
		return v.UTC().Format("2 Jan 2006 15:04 UTC")
	case *time.Time:
		if v == nil {
			return ""
		}
		return when(*v)
	}
	return ""
}

// view is what the layout needs on every page; Data is the screen's own.
type view struct {
	Title string
	Me    *accounts.User
	CSRF  string
	Nav   []navLink
	Data  any
}

type navLink struct {
	Href, Text string
	Current    bool
}

// render writes screen name with data inside the shared layout.
func (c *Console) render(ctx *fiber.Ctx, name, title string, data any) error {
	t, ok := c.pages.byName[name]
	if !ok {
		return fmt.Errorf("console: no template %s", name)
	}
	v := view{Title: title, Data: data}
	if who, ok := ctx.Locals(localsCaller).(accounts.Caller); ok {
		if u, err := c.d.Accounts.LookupUser(ctx.UserContext(), who.UserID); err == nil {
			v.Me = &u
		}
		v.Nav = navFor(who, ctx.Path())
	}
	v.CSRF = c.csrfFor(ctx)
	var b strings.Builder
	if err := t.ExecuteTemplate(&b, "layout", v); err != nil {
		return fmt.Errorf("console: render %s: %w", name, err)
	}
	ctx.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return ctx.SendString(b.String())
}

// navFor lists the screens of a role; the routes' policies decide anyway.
func navFor(who accounts.Caller, current string) []navLink {
	var links []navLink
	add := func(href, text string) {
		links = append(links, navLink{Href: Prefix + href, Text: text, Current: strings.HasPrefix(current, Prefix+href)})
	}
	switch who.Role {
	case accounts.RoleOfficer:
		add("/cases", "Case queue")
		add("/alerts", "Alerts")
		add("/oncall", "On call")
	case accounts.RoleSupervisor:
		add("/cases", "Case queue")
		add("/alerts", "Alerts")
		add("/oncall", "On call")
		add("/users", "Users")
		add("/figures", "Figures")
	case accounts.RoleCommissioner:
		add("/figures", "Figures")
	case accounts.RoleSchoolStaff:
		add("/content", "Content")
		add("/collection", "School collection")
		add("/concerns", "Concerns")
	case accounts.RoleSafeguardingLead:
		add("/content", "Content")
		if who.OrgKind == accounts.OrgSchool {
			add("/collection", "School collection")
			add("/concerns", "Concerns")
		}
		add("/users", "Users")
	case accounts.RolePartnerPractitioner:
		add("/referrals", "Referrals")
	case accounts.RolePartnerLead:
		add("/referrals", "Referrals")
		add("/users", "Users")
	case accounts.RoleAdmin:
		add("/organisations", "Organisations")
		add("/users", "Users")
		add("/content", "Content")
		add("/figures", "Figures")
	}
	add("/account", "My account")
	return links
}

// redirect answers a form post with 303 See Other to a console path.
func redirect(ctx *fiber.Ctx, to string) error {
	return ctx.Redirect(Prefix+to, fiber.StatusSeeOther)
}
