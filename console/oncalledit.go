package console

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"speaksafe/accounts"
	"speaksafe/errkind"
	"speaksafe/oncall"
)

type rotationEditView struct {
	Rotation   oncall.Rotation
	Colleagues []accounts.User
	Members    map[string]bool
}

// findRotation finds rotation id among those the caller's force lists
// (another force's, or a deleted one, is "not found").
func (c *Console) findRotation(ctx *fiber.Ctx, id string) (oncall.Rotation, error) {
	rots, err := c.d.OnCall.Rotations(ctx.UserContext())
	if err != nil {
		return oncall.Rotation{}, err
	}
	for _, r := range rots {
		if r.ID == id {
			return r, nil
		}
	}
	return oncall.Rotation{}, fmt.Errorf("console: rotation %s: %w", id, errkind.NotFound)
}

func (c *Console) editRotationPage(ctx *fiber.Ctx) error {
	r, err := c.findRotation(ctx, strings.Clone(ctx.Params("id")))
	if err != nil {
		return err
	}
	people, err := c.d.Accounts.Directory(ctx.UserContext(), "", 100)
	if err != nil {
		return err
	}
	v := rotationEditView{Rotation: r, Colleagues: people, Members: map[string]bool{}}
	for _, m := range r.Members {
		v.Members[m] = true
	}
	return c.render(ctx, "rotation", "Edit rotation "+r.Name, v)
}

// updateRotation changes every field of the form, as
// PATCH /v1/oncall/rotations/{id} with all of them.
func (c *Console) updateRotation(ctx *fiber.Ctx) error {
	id := strings.Clone(ctx.Params("id"))
	name, handover := strings.Clone(ctx.FormValue("name")), strings.Clone(ctx.FormValue("handover"))
	tz, start := strings.Clone(ctx.FormValue("timeZone")), strings.Clone(ctx.FormValue("startDate"))
	members := formList(ctx, "members")
	hours, err := strconv.Atoi(ctx.FormValue("shiftHours"))
	if err != nil {
		hours = 0 // out of range: the rotation's validation names the field
	}
	_, err = c.d.OnCall.UpdateRotation(ctx.UserContext(), id, oncall.RotationPatch{Name: &name, Members: &members,
		ShiftHours: &hours, Handover: &handover, TimeZone: &tz, StartDate: &start})
	if err != nil {
		return err
	}
	return redirect(ctx, "/oncall#calendar")
}

func (c *Console) deleteRotation(ctx *fiber.Ctx) error {
	if err := c.d.OnCall.DeleteRotation(ctx.UserContext(), strings.Clone(ctx.Params("id"))); err != nil {
		return err
	}
	return redirect(ctx, "/oncall#rotations")
}

func (c *Console) deleteOverride(ctx *fiber.Ctx) error {
	if err := c.d.OnCall.DeleteOverride(ctx.UserContext(), strings.Clone(ctx.Params("id"))); err != nil {
		return err
	}
	return redirect(ctx, "/oncall#overrides")
}
