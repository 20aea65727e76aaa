package console

import (
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"speaksafe/accounts"
	"speaksafe/handlers"
	"speaksafe/referrals"
	"speaksafe/reports"
)

// referralRoutes are the force's side of sharing a case with a partner
// agency: the case's referrals with every step, the referral form, and
// answers to the agency's questions. The referrals service scopes each
// to the caller's force, as POST and GET /v1/cases/{id}/referrals do.
func (c *Console) referralRoutes() {
	p := handlers.Roles(handlerRoles()...)
	c.add(fiber.MethodGet, "/cases/:id/referrals", p, c.caseReferrals)
	c.add(fiber.MethodPost, "/cases/:id/referrals", p, c.refer)
	c.add(fiber.MethodPost, "/cases/:id/referrals/:ref/answers", p, c.answerQuestion)
}

type caseReferralsView struct {
	Case      reports.CaseDetail
	Referrals []caseReferral
	Agencies  []accounts.Organisation
	Agency    map[string]string
	Names     map[string]string
	Bases     []referrals.LawfulBasis
	Fields    []referrals.Field
	FieldName map[referrals.Field]string
	BasisName map[referrals.LawfulBasis]string
	Made      int
}

// caseReferrals shows what the case shared with whom, each referral's
// state and steps (questions with their answer forms), and the form to
// refer it. Opening the case and listing its referrals are audited by
// the services, as in the API.
func (c *Console) caseReferrals(ctx *fiber.Ctx) error {
	uctx := ctx.UserContext()
	id := strings.Clone(ctx.Params("id"))
	d, err := c.d.Reports.Case(uctx, id)
	if err != nil {
		return err
	}
	list, err := c.d.Referrals.ForCase(uctx, id)
	if err != nil {
		return err
	}
	who, _ := accounts.CallerFrom(uctx)
	agencies, err := c.d.Accounts.AgenciesOf(uctx, who.ForceID)
	if err != nil {
		return err
	}
	v := caseReferralsView{Case: d, Referrals: withOpenQuestions(list), Agencies: agencies, Agency: map[string]string{},
		Names: map[string]string{}, Bases: referrals.LawfulBases(), Fields: shareable(d),
		FieldName: fieldNames(), BasisName: basisNames()}
	for _, a := range agencies {
		v.Agency[a.ID] = a.Name
	}
	if v.Names, err = c.staffNames(ctx); err != nil {
		return err
	}
	if n := ctx.QueryInt("made"); n > 0 {
		v.Made = n
	}
	return c.render(ctx, "case-referrals", "Referrals of case "+d.Reference, v)
}

// caseReferral is a referral with the agency's questions still waiting
// for the force's answer.
type caseReferral struct {
	referrals.Referral
	Unanswered []referrals.Step
}

func withOpenQuestions(list []referrals.Referral) []caseReferral {
	out := make([]caseReferral, 0, len(list))
	for _, r := range list {
		answered := map[int]bool{}
		for _, s := range r.Steps {
			if s.Kind == "answer" {
				answered[s.Number] = true
			}
		}
		cr := caseReferral{Referral: r}
		for _, s := range r.Steps {
			if s.Kind == "question" && !answered[s.Number] {
				cr.Unanswered = append(cr.Unanswered, s)
			}
		}
		out = append(out, cr)
	}
	return out
}

// shareable lists the fields an officer may pick for case d: contact
// details only when the child gave some.
func shareable(d reports.CaseDetail) []referrals.Field {
	var out []referrals.Field
	for _, f := range referrals.Fields() {
		if f == referrals.FieldContact && d.Contact == nil {
			continue
		}
		out = append(out, f)
	}
	return out
}

// refer makes one referral per chosen agency, as POST
// /v1/cases/{id}/referrals does: the service validates every field,
// checks each agency serves the caller's force and audits the share.
func (c *Console) refer(ctx *fiber.Ctx) error {
	id := strings.Clone(ctx.Params("id"))
	who, _ := accounts.CallerFrom(ctx.UserContext())
	in := referrals.Input{AgencyIDs: formList(ctx, "agencyIds"), Summary: strings.Clone(ctx.FormValue("summary")),
		Reason: strings.Clone(ctx.FormValue("reason")), LawfulBasis: referrals.LawfulBasis(strings.Clone(ctx.FormValue("lawfulBasis"))),
		LawfulBasisNote: strings.Clone(ctx.FormValue("lawfulBasisNote")), Urgency: referrals.Urgency(strings.Clone(ctx.FormValue("urgency"))),
		IdentityShared: ctx.FormValue("identityShared") == "on"}
	for _, f := range formList(ctx, "fields") {
		in.Fields = append(in.Fields, referrals.Field(f))
	}
	made, err := c.d.Referrals.Create(ctx.UserContext(), who, id, in)
	if err != nil {
		return err
	}
	return ctx.Redirect(Prefix+"/cases/"+id+"/referrals?made="+strconv.Itoa(len(made)), fiber.StatusSeeOther)
}

// answerQuestion answers an agency's question on a referral of the case,
// as POST /v1/referrals/{id}/answers does.
func (c *Console) answerQuestion(ctx *fiber.Ctx) error {
	id, ref := strings.Clone(ctx.Params("id")), strings.Clone(ctx.Params("ref"))
	n, _ := strconv.Atoi(ctx.FormValue("question"))
	r, err := c.d.Referrals.Answer(ctx.UserContext(), ref, n, strings.Clone(ctx.FormValue("text")))
	if err != nil {
		return err
	}
	if r.CaseID != "" {
		id = r.CaseID
	}
	return redirect(ctx, "/cases/"+id+"/referrals#referral-"+ref)
}

// fieldNames are the shareable fields in an officer's words.
func fieldNames() map[referrals.Field]string {
	return map[referrals.Field]string{
		referrals.FieldCategory:     "category",
		referrals.FieldWhatHappened: "what happened (the child's own words)",
		referrals.FieldAnswers:      "answers (in danger now, happening now, meeting planned, knows where the child lives)",
		referrals.FieldHandles:      "online handles of the person",
		referrals.FieldAgeBand:      "age band",
		referrals.FieldContact:      "contact details (identify the child)",
	}
}

// basisNames are the lawful bases as the law names them.
func basisNames() map[referrals.LawfulBasis]string {
	return map[referrals.LawfulBasis]string{
		referrals.BasisSafeguardingChildren: "DPA 2018 Sch. 1 para 18: safeguarding of children",
		referrals.BasisChildrenAct47:        "Children Act 1989 s47",
		referrals.BasisChildrenAct17:        "Children Act 1989 s17",
		referrals.BasisChildrenAct2004S11:   "Children Act 2004 s11",
		referrals.BasisCrimeDisorderS115:    "Crime and Disorder Act 1998 s115",
		referrals.BasisVitalInterests:       "vital interests",
		referrals.BasisConsent:              "consent",
	}
}
