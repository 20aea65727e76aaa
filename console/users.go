package console

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"speaksafe/accounts"
	"speaksafe/handlers"
)

func (c *Console) userRoutes() {
	managers := handlers.Roles(accounts.RoleAdmin, accounts.RoleSafeguardingLead, accounts.RoleSupervisor, accounts.RolePartnerLead)
	c.add(fiber.MethodGet, "/users", managers, c.users)
	c.add(fiber.MethodPost, "/users", managers, c.inviteUser)
	c.add(fiber.MethodPost, "/users/:id/invite", managers, c.reinvite)
	c.add(fiber.MethodPost, "/users/:id/disable", managers, c.setDisabled(true))
	c.add(fiber.MethodPost, "/users/:id/enable", managers, c.setDisabled(false))
	c.add(fiber.MethodPost, "/users/:id/mfa-reset", handlers.Roles(accounts.RoleAdmin), c.resetMFA)
	c.add(fiber.MethodGet, "/invite", handlers.Public(), c.invitePage)
	c.add(fiber.MethodPost, "/invite", handlers.Public(), c.acceptInvite)
}

type usersView struct {
	Users    []accounts.User
	Orgs     []accounts.Organisation
	OrgID    string
	Roles    []accounts.Role
	Invite   string
	InviteTo string
	Admin    bool
	Next     string
}

// users lists the accounts the caller may see (accounts.Store.ListUsers
// scopes them: an admin everyone, a lead or supervisor their own
// organisation).
func (c *Console) users(ctx *fiber.Ctx) error {
	return c.showUsers(ctx, "", "")
}

func (c *Console) showUsers(ctx *fiber.Ctx, invite, inviteTo string) error {
	uctx := ctx.UserContext()
	who, _ := accounts.CallerFrom(uctx)
	q := accounts.UserQuery{OrgID: strings.Clone(ctx.Query("org")), After: strings.Clone(ctx.Query("after")), Limit: 100}
	list, err := c.d.Accounts.ListUsers(uctx, q)
	if err != nil {
		return err
	}
	v := usersView{Users: list, OrgID: q.OrgID, Invite: invite, InviteTo: inviteTo, Admin: who.Role == accounts.RoleAdmin}
	for _, r := range allRoles() {
		if who.Role.Covers(r) {
			v.Roles = append(v.Roles, r)
		}
	}
	if v.Admin {
		if v.Orgs, err = c.d.Accounts.ListOrganisations(uctx, accounts.OrganisationQuery{Limit: 100}); err != nil {
			return err
		}
	}
	if len(list) == q.Limit {
		v.Next = list[len(list)-1].ID
	}
	return c.render(ctx, "users", "Users", v)
}

// inviteUser creates the account as POST /v1/users does and shows the
// invite code once.
func (c *Console) inviteUser(ctx *fiber.Ctx) error {
	who, _ := accounts.CallerFrom(ctx.UserContext())
	org := strings.Clone(ctx.FormValue("orgId"))
	if who.Role != accounts.RoleAdmin {
		org = who.OrgID
	}
	u, tok, err := c.d.Accounts.CreateUser(ctx.UserContext(), accounts.NewUser{Email: strings.Clone(ctx.FormValue("email")),
		Name: strings.Clone(ctx.FormValue("name")), Role: accounts.Role(strings.Clone(ctx.FormValue("role"))), OrgID: org})
	if err != nil {
		return err
	}
	return c.showUsers(ctx, tok, u.Email)
}

// reinvite re-sends an invite; for an active account it is the audited,
// admin-only reset of its password (SECURITY 26).
func (c *Console) reinvite(ctx *fiber.Ctx) error {
	id := strings.Clone(ctx.Params("id"))
	tok, err := c.d.Accounts.ReissueInvite(ctx.UserContext(), id)
	if err != nil {
		return err
	}
	u, err := c.d.Accounts.GetUser(ctx.UserContext(), id)
	if err != nil {
		return err
	}
	return c.showUsers(ctx, tok, u.Email)
}

func (c *Console) setDisabled(disabled bool) fiber.Handler {
	return func(ctx *fiber.Ctx) error {
		d := disabled
		if _, err := c.d.Accounts.UpdateUser(ctx.UserContext(), strings.Clone(ctx.Params("id")), accounts.UserPatch{Disabled: &d}); err != nil {
			return err
		}
		return redirect(ctx, "/users")
	}
}

func (c *Console) resetMFA(ctx *fiber.Ctx) error {
	if err := c.d.Accounts.ResetMFA(ctx.UserContext(), strings.Clone(ctx.Params("id"))); err != nil {
		return err
	}
	return redirect(ctx, "/users")
}

type inviteView struct{ Done bool }

func (c *Console) invitePage(ctx *fiber.Ctx) error {
	return c.render(ctx, "invite", "Accept an invitation", inviteView{})
}

// acceptInvite sets a first password as POST /v1/auth/invite/accept does,
// with the same throttle.
func (c *Console) acceptInvite(ctx *fiber.Ctx) error {
	if err := c.d.Limits.Check(ctx, "invite", 10, signInWindow); err != nil {
		return err
	}
	err := c.d.Auth.AcceptInvite(ctx.UserContext(), strings.TrimSpace(ctx.FormValue("inviteToken")), strings.Clone(ctx.FormValue("password")))
	if err != nil {
		return err
	}
	return c.render(ctx, "invite", "Accept an invitation", inviteView{Done: true})
}
