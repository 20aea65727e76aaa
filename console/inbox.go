package console

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"speaksafe/handlers"
	"speaksafe/referrals"
)

// inboxRoutes are a partner agency's screens: the referrals shared with
// it by deadline, one referral with its steps, and acknowledging,
// deciding and asking the force a question. The referrals service admits
// only partners of the referral's agency (404 to anyone else), exactly as
// /v1/referrals does.
func (c *Console) inboxRoutes() {
	p := handlers.Roles(partnerRoles()...)
	c.add(fiber.MethodGet, "/referrals", p, c.inbox)
	c.add(fiber.MethodGet, "/referrals/:id", p, c.referral)
	c.add(fiber.MethodPost, "/referrals/:id/acknowledge", p, c.acknowledgeReferral)
	c.add(fiber.MethodPost, "/referrals/:id/decision", p, c.decideReferral)
	c.add(fiber.MethodPost, "/referrals/:id/questions", p, c.askQuestion)
}

type inboxView struct {
	Items   []referrals.Referral
	Next    string
	Overdue int
}

// inbox lists the agency's referrals, soonest deadline first, as
// GET /v1/referrals does: without their texts.
func (c *Console) inbox(ctx *fiber.Ctx) error {
	page, err := c.d.Referrals.Inbox(ctx.UserContext(), strings.Clone(ctx.Query("cursor")), 50)
	if err != nil {
		return err
	}
	v := inboxView{Items: page.Items, Next: page.Next}
	for _, r := range page.Items {
		if r.Overdue {
			v.Overdue++
		}
	}
	return c.render(ctx, "inbox", "Referrals", v)
}

type referralView struct {
	Referral  referrals.Referral
	Force     string
	Decisions []referrals.Decision
	FieldName map[referrals.Field]string
	BasisName map[referrals.LawfulBasis]string
}

// referral shows one referral with what the force shared and every step;
// the read is audited by the service with the fields it showed.
func (c *Console) referral(ctx *fiber.Ctx) error {
	r, err := c.d.Referrals.Get(ctx.UserContext(), strings.Clone(ctx.Params("id")))
	if err != nil {
		return err
	}
	v := referralView{Referral: r, Decisions: referrals.Decisions(), FieldName: fieldNames(), BasisName: basisNames()}
	if f, err := c.d.Accounts.GetOrganisation(ctx.UserContext(), r.ForceID); err == nil {
		v.Force = f.Name
	}
	return c.render(ctx, "referral", "Referral", v)
}

func (c *Console) acknowledgeReferral(ctx *fiber.Ctx) error {
	id := strings.Clone(ctx.Params("id"))
	if _, err := c.d.Referrals.Acknowledge(ctx.UserContext(), id); err != nil {
		return err
	}
	return redirect(ctx, "/referrals/"+id)
}

func (c *Console) decideReferral(ctx *fiber.Ctx) error {
	id := strings.Clone(ctx.Params("id"))
	_, err := c.d.Referrals.Decide(ctx.UserContext(), id, referrals.DecisionInput{
		Decision:  referrals.Decision(strings.Clone(ctx.FormValue("decision"))),
		AgencyRef: strings.Clone(ctx.FormValue("agencyReference")), Outcome: strings.Clone(ctx.FormValue("outcome"))})
	if err != nil {
		return err
	}
	return redirect(ctx, "/referrals/"+id)
}

func (c *Console) askQuestion(ctx *fiber.Ctx) error {
	id := strings.Clone(ctx.Params("id"))
	if _, err := c.d.Referrals.Ask(ctx.UserContext(), id, strings.Clone(ctx.FormValue("text"))); err != nil {
		return err
	}
	return redirect(ctx, "/referrals/"+id+"#steps")
}
