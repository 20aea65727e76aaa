package console

import (
	"github.com/gofiber/fiber/v2"
)

// onCallCalendars adds the overrides in force or to come
// (GET /v1/oncall/overrides) and each rotation's calendar of the next
// weeks, those overrides applied.
func (c *Console) onCallCalendars(ctx *fiber.Ctx, v *onCallView) error {
	ovs, err := c.d.OnCall.Overrides(ctx.UserContext(), "")
	if err != nil {
		return err
	}
	v.Overrides = ovs
	now := c.now()
	for _, r := range v.Rotations {
		v.Calendars = append(v.Calendars, calendar(r, ovs, now, v.Names))
	}
	return nil
}
