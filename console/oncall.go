package console

import (
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"speaksafe/accounts"
	"speaksafe/handlers"
	"speaksafe/oncall"
)

func (c *Console) onCallRoutes() {
	read := handlers.Roles(handlerRoles()...)
	manage := handlers.Roles(accounts.RoleSupervisor)
	c.add(fiber.MethodGet, "/oncall", read, c.onCall)
	c.add(fiber.MethodPost, "/oncall/rotations", manage, c.createRotation)
	c.add(fiber.MethodPost, "/oncall/overrides", manage, c.createOverride)
	c.add(fiber.MethodPost, "/oncall/policies", manage, c.createPolicy)
	c.add(fiber.MethodPost, "/oncall/policies/:id/default", manage, c.setDefaultPolicy)
}

type onCallView struct {
	PolicyID   string
	Tiers      []oncall.TierNow
	Rotations  []oncall.Rotation
	Policies   []oncall.Policy
	Default    string
	Colleagues []accounts.User
	Names      map[string]string
	Manage     bool
	// Calendars and Overrides: oncallcalendar.go.
	Calendars []rotationCalendar
	Overrides []oncall.Override
}

// onCall shows who an alert would page now (GET /v1/oncall/now) with the
// state of their phones and any gap, the rotations and the policies.
func (c *Console) onCall(ctx *fiber.Ctx) error {
	uctx := ctx.UserContext()
	id, tiers, err := c.d.OnCall.Now(uctx)
	if err != nil {
		return err
	}
	rots, err := c.d.OnCall.Rotations(uctx)
	if err != nil {
		return err
	}
	pols, def, err := c.d.OnCall.Policies(uctx)
	if err != nil {
		return err
	}
	people, err := c.d.Accounts.Directory(uctx, "", 100)
	if err != nil {
		return err
	}
	names := map[string]string{}
	for _, u := range people {
		names[u.ID] = u.Name
	}
	who, _ := accounts.CallerFrom(uctx)
	v := onCallView{PolicyID: id, Tiers: tiers, Rotations: rots, Policies: pols,
		Default: def, Colleagues: people, Names: names, Manage: who.Role == accounts.RoleSupervisor}
	if err := c.onCallCalendars(ctx, &v); err != nil {
		return err
	}
	return c.render(ctx, "oncall", "On call", v)
}

func formList(ctx *fiber.Ctx, key string) []string {
	var out []string
	for _, v := range ctx.Request().PostArgs().PeekMulti(key) {
		if s := strings.TrimSpace(string(v)); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func (c *Console) createRotation(ctx *fiber.Ctx) error {
	hours, _ := strconv.Atoi(ctx.FormValue("shiftHours"))
	_, err := c.d.OnCall.CreateRotation(ctx.UserContext(), oncall.Rotation{
		Name: strings.Clone(ctx.FormValue("name")), Members: formList(ctx, "members"), ShiftHours: hours,
		Handover: strings.Clone(ctx.FormValue("handover")), TimeZone: strings.Clone(ctx.FormValue("timeZone")),
		StartDate: strings.Clone(ctx.FormValue("startDate"))})
	if err != nil {
		return err
	}
	return redirect(ctx, "/oncall#rotations")
}

// localTime reads a datetime-local field as UTC; a bad value is the zero
// time, which the override's validation names.
func localTime(v string) time.Time {
	t, err := time.Parse("2006-01-02T15:04", v)
	if err != nil {
		return time.Time{}
	}
	return t.UTC()
}

func (c *Console) createOverride(ctx *fiber.Ctx) error {
	_, err := c.d.OnCall.CreateOverride(ctx.UserContext(), oncall.Override{
		RotationID: strings.Clone(ctx.FormValue("rotationId")), Mode: strings.Clone(ctx.FormValue("mode")),
		UserID: strings.Clone(ctx.FormValue("userId")), ReplaceUserID: strings.Clone(ctx.FormValue("replaceUserId")),
		Start: localTime(ctx.FormValue("start")), End: localTime(ctx.FormValue("end"))})
	if err != nil {
		return err
	}
	return redirect(ctx, "/oncall#overrides")
}

// createPolicy makes a two-tier policy from the form: a rotation (or
// named people) first, then supervisors or a control-room webhook.
func (c *Console) createPolicy(ctx *fiber.Ctx) error {
	delay, _ := strconv.Atoi(ctx.FormValue("delaySeconds"))
	first := oncall.Tier{RotationID: strings.Clone(ctx.FormValue("rotationId")), DelaySeconds: delay}
	p := oncall.Policy{Name: strings.Clone(ctx.FormValue("name")), Tiers: []oncall.Tier{first}}
	if ids := formList(ctx, "escalateTo"); len(ids) > 0 {
		p.Tiers = append(p.Tiers, oncall.Tier{UserIDs: ids, DelaySeconds: delay})
	}
	if url := strings.TrimSpace(ctx.FormValue("webhook")); url != "" {
		p.Tiers = append(p.Tiers, oncall.Tier{Webhook: &oncall.Webhook{URL: url}, DelaySeconds: delay})
	}
	if _, err := c.d.OnCall.CreatePolicy(ctx.UserContext(), p); err != nil {
		return err
	}
	return redirect(ctx, "/oncall#policies")
}

func (c *Console) setDefaultPolicy(ctx *fiber.Ctx) error {
	if _, err := c.d.OnCall.SetDefault(ctx.UserContext(), strings.Clone(ctx.Params("id"))); err != nil {
		return err
	}
	return redirect(ctx, "/oncall#policies")
}
