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

// tierRow is one tier of the policy form: kind is rotation, people or
// webhook; a row with no kind is left out (how a tier is removed).
type tierRow struct {
	Index      int
	Kind       string
	RotationID string
	People     map[string]bool
	Webhook    string
	Delay      int
}

type policyEditView struct {
	Policy     oncall.Policy
	Default    bool
	Rows       []tierRow
	Rotations  []oncall.Rotation
	Colleagues []accounts.User
	MaxRepeat  int
}

func (c *Console) findPolicy(ctx *fiber.Ctx, id string) (oncall.Policy, string, error) {
	pols, def, err := c.d.OnCall.Policies(ctx.UserContext())
	if err != nil {
		return oncall.Policy{}, "", err
	}
	for _, p := range pols {
		if p.ID == id {
			return p, def, nil
		}
	}
	return oncall.Policy{}, "", fmt.Errorf("console: policy %s: %w", id, errkind.NotFound)
}

// editPolicyPage shows a policy's tiers as rows of a form, and one empty
// row to add a tier.
func (c *Console) editPolicyPage(ctx *fiber.Ctx) error {
	p, def, err := c.findPolicy(ctx, strings.Clone(ctx.Params("id")))
	if err != nil {
		return err
	}
	rots, err := c.d.OnCall.Rotations(ctx.UserContext())
	if err != nil {
		return err
	}
	people, err := c.d.Accounts.Directory(ctx.UserContext(), "", 100)
	if err != nil {
		return err
	}
	v := policyEditView{Policy: p, Default: p.ID == def, Rotations: rots, Colleagues: people, MaxRepeat: oncall.MaxRepeat}
	for i, t := range p.Tiers {
		v.Rows = append(v.Rows, rowOf(i, t))
	}
	if len(p.Tiers) < oncall.MaxTiers {
		v.Rows = append(v.Rows, tierRow{Index: len(p.Tiers), People: map[string]bool{}, Delay: 300})
	}
	return c.render(ctx, "policy", "Edit policy "+p.Name, v)
}

func rowOf(i int, t oncall.Tier) tierRow {
	r := tierRow{Index: i, RotationID: t.RotationID, People: map[string]bool{}, Delay: t.DelaySeconds}
	switch {
	case t.RotationID != "":
		r.Kind = "rotation"
	case t.Webhook != nil:
		r.Kind, r.Webhook = "webhook", t.Webhook.URL
	default:
		r.Kind = "people"
	}
	for _, u := range t.UserIDs {
		r.People[u] = true
	}
	return r
}

// replacePolicy stores the edited tiers as PUT /v1/oncall/policies/{id}
// does: a new version, the default moving to it when this was the default.
func (c *Console) replacePolicy(ctx *fiber.Ctx) error {
	repeat, _ := strconv.Atoi(ctx.FormValue("repeat"))
	p := oncall.Policy{Name: strings.Clone(ctx.FormValue("name")), Repeat: repeat}
	for i := 0; i < oncall.MaxTiers; i++ {
		if t, ok := tierFromForm(ctx, i); ok {
			p.Tiers = append(p.Tiers, t)
		}
	}
	if _, err := c.d.OnCall.ReplacePolicy(ctx.UserContext(), strings.Clone(ctx.Params("id")), p); err != nil {
		return err
	}
	return redirect(ctx, "/oncall#policies")
}

// tierFromForm reads row i; false when the row has no kind.
func tierFromForm(ctx *fiber.Ctx, i int) (oncall.Tier, bool) {
	key := func(f string) string { return fmt.Sprintf("tier%d-%s", i, f) }
	delay, err := strconv.Atoi(ctx.FormValue(key("delay")))
	if err != nil {
		delay = -1 // out of range: the policy's validation names the tier
	}
	t := oncall.Tier{DelaySeconds: delay}
	switch ctx.FormValue(key("kind")) {
	case "rotation":
		t.RotationID = strings.Clone(ctx.FormValue(key("rotation")))
	case "people":
		t.UserIDs = formList(ctx, key("people"))
	case "webhook":
		t.Webhook = &oncall.Webhook{URL: strings.TrimSpace(strings.Clone(ctx.FormValue(key("webhook"))))}
	default:
		return t, false
	}
	return t, true
}

func (c *Console) deletePolicy(ctx *fiber.Ctx) error {
	if err := c.d.OnCall.DeletePolicy(ctx.UserContext(), strings.Clone(ctx.Params("id"))); err != nil {
		return err
	}
	return redirect(ctx, "/oncall#policies")
}
