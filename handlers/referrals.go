package handlers

import (
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"speaksafe/accounts"
	"speaksafe/referrals"
)

// Referrals serves the sharing of cases with partner agencies: officers
// refer a case and follow each step on it; partners read their agency's
// inbox, acknowledge, decide and ask questions. The routes admit every
// role that may touch either side so that the service, which scopes each
// referral to its force and its agency, answers 404 to anyone else.
type Referrals struct {
	service *referrals.Service
	orgs    *accounts.Store
}

// NewReferrals returns the referral handlers.
func NewReferrals(service *referrals.Service, orgs *accounts.Store) *Referrals {
	return &Referrals{service: service, orgs: orgs}
}

// Routes registers the routes.
func (h *Referrals) Routes(r *Router) {
	both := Roles(accounts.RoleOfficer, accounts.RoleSupervisor, accounts.RolePartnerPractitioner, accounts.RolePartnerLead)
	partners := Roles(accounts.RolePartnerPractitioner, accounts.RolePartnerLead)
	r.Add(fiber.MethodGet, "/v1/agencies", Roles(accounts.RoleOfficer, accounts.RoleSupervisor), h.agencies)
	r.Add(fiber.MethodPost, "/v1/cases/:id/referrals", Roles(caseRoles()...), h.create)
	r.Add(fiber.MethodGet, "/v1/cases/:id/referrals", Roles(caseRoles()...), h.forCase)
	r.Add(fiber.MethodGet, "/v1/referrals", partners, h.inbox)
	r.Add(fiber.MethodGet, "/v1/referrals/overdue", Roles(accounts.RoleSupervisor, accounts.RolePartnerLead), h.overdue)
	r.Add(fiber.MethodGet, "/v1/referrals/:id", both, h.get)
	r.Add(fiber.MethodPost, "/v1/referrals/:id/acknowledge", both, h.acknowledge)
	r.Add(fiber.MethodPost, "/v1/referrals/:id/decision", both, h.decide)
	r.Add(fiber.MethodPost, "/v1/referrals/:id/questions", both, h.ask)
	r.Add(fiber.MethodPost, "/v1/referrals/:id/answers", both, h.answer)
}

type agencyResponse struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	AgencyType string `json:"agencyType"`
}

func (h *Referrals) agencies(c *fiber.Ctx) error {
	caller, _ := accounts.CallerFrom(c.UserContext())
	list, err := h.orgs.AgenciesOf(c.UserContext(), caller.ForceID)
	if err != nil {
		return err
	}
	out := struct {
		Items []agencyResponse `json:"items"`
	}{Items: make([]agencyResponse, 0, len(list))}
	for _, o := range list {
		out.Items = append(out.Items, agencyResponse{ID: o.ID, Name: o.Name, AgencyType: string(o.AgencyType)})
	}
	return c.JSON(out)
}

type createReferralRequest struct {
	AgencyIDs       []string `json:"agencyIds"`
	Summary         string   `json:"summary"`
	Reason          string   `json:"reason"`
	LawfulBasis     string   `json:"lawfulBasis"`
	LawfulBasisNote string   `json:"lawfulBasisNote,omitempty"`
	Urgency         string   `json:"urgency"`
	Fields          []string `json:"fields"`
	IdentityShared  bool     `json:"identityShared"`
}

func (h *Referrals) create(c *fiber.Ctx) error {
	var req createReferralRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	caller, _ := accounts.CallerFrom(c.UserContext())
	in := referrals.Input{AgencyIDs: req.AgencyIDs, Summary: req.Summary, Reason: req.Reason,
		LawfulBasis: referrals.LawfulBasis(req.LawfulBasis), LawfulBasisNote: req.LawfulBasisNote,
		Urgency: referrals.Urgency(req.Urgency), IdentityShared: req.IdentityShared}
	for _, f := range req.Fields {
		in.Fields = append(in.Fields, referrals.Field(f))
	}
	made, err := h.service.Create(c.UserContext(), caller, strings.Clone(c.Params("id")), in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(toReferralList(made, true, ""))
}

func (h *Referrals) forCase(c *fiber.Ctx) error {
	list, err := h.service.ForCase(c.UserContext(), strings.Clone(c.Params("id")))
	if err != nil {
		return err
	}
	return c.JSON(toReferralList(list, true, ""))
}

func (h *Referrals) inbox(c *fiber.Ctx) error {
	limit, err := pageLimit(c)
	if err != nil {
		return err
	}
	cursor, err := pageCursor(c)
	if err != nil {
		return err
	}
	page, err := h.service.Inbox(c.UserContext(), cursor, limit)
	if err != nil {
		return err
	}
	return c.JSON(toReferralList(page.Items, false, page.Next))
}

func (h *Referrals) overdue(c *fiber.Ctx) error {
	list, err := h.service.Overdue(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(toReferralList(list, isForceCaller(c), ""))
}

func (h *Referrals) get(c *fiber.Ctx) error {
	r, err := h.service.Get(c.UserContext(), strings.Clone(c.Params("id")))
	if err != nil {
		return err
	}
	return c.JSON(toReferral(r, isForceCaller(c)))
}

func (h *Referrals) acknowledge(c *fiber.Ctx) error {
	r, err := h.service.Acknowledge(c.UserContext(), strings.Clone(c.Params("id")))
	if err != nil {
		return err
	}
	return c.JSON(toReferral(r, false))
}

type decisionRequest struct {
	Decision        string `json:"decision"`
	AgencyReference string `json:"agencyReference,omitempty"`
	Outcome         string `json:"outcome"`
}

func (h *Referrals) decide(c *fiber.Ctx) error {
	var req decisionRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	r, err := h.service.Decide(c.UserContext(), strings.Clone(c.Params("id")), referrals.DecisionInput{
		Decision: referrals.Decision(req.Decision), AgencyRef: req.AgencyReference, Outcome: req.Outcome})
	if err != nil {
		return err
	}
	return c.JSON(toReferral(r, false))
}

type questionRequest struct {
	Text string `json:"text"`
}

func (h *Referrals) ask(c *fiber.Ctx) error {
	var req questionRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	r, err := h.service.Ask(c.UserContext(), strings.Clone(c.Params("id")), req.Text)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(toReferral(r, false))
}

type answerRequest struct {
	Question int    `json:"question"`
	Text     string `json:"text"`
}

func (h *Referrals) answer(c *fiber.Ctx) error {
	var req answerRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	r, err := h.service.Answer(c.UserContext(), strings.Clone(c.Params("id")), req.Question, req.Text)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(toReferral(r, true))
}

func isForceCaller(c *fiber.Ctx) bool {
	caller, _ := accounts.CallerFrom(c.UserContext())
	return caller.OrgKind == accounts.OrgForce
}

type referralStepResponse struct {
	Kind     string    `json:"kind"`
	Number   int       `json:"number,omitempty"`
	At       time.Time `json:"at"`
	By       string    `json:"by,omitempty"`
	ByAgency bool      `json:"byAgency"`
	Text     string    `json:"text,omitempty"`
	Decision string    `json:"decision,omitempty"`
}

type referralResponse struct {
	ID              string                 `json:"id"`
	CaseID          string                 `json:"caseId,omitempty"`
	AgencyID        string                 `json:"agencyId"`
	Status          string                 `json:"status"`
	Urgency         string                 `json:"urgency"`
	DueAt           time.Time              `json:"dueAt"`
	Overdue         bool                   `json:"overdue"`
	CreatedAt       time.Time              `json:"createdAt"`
	CreatedBy       string                 `json:"createdBy,omitempty"`
	Summary         string                 `json:"summary,omitempty"`
	Reason          string                 `json:"reason,omitempty"`
	LawfulBasis     string                 `json:"lawfulBasis"`
	LawfulBasisNote string                 `json:"lawfulBasisNote,omitempty"`
	Fields          []string               `json:"fields"`
	Shared          map[string]string      `json:"shared,omitempty"`
	IdentityShared  bool                   `json:"identityShared"`
	Anonymous       bool                   `json:"anonymous"`
	AcknowledgedAt  *time.Time             `json:"acknowledgedAt,omitempty"`
	DecidedAt       *time.Time             `json:"decidedAt,omitempty"`
	Decision        string                 `json:"decision,omitempty"`
	AgencyReference string                 `json:"agencyReference,omitempty"`
	Outcome         string                 `json:"outcome,omitempty"`
	Steps           []referralStepResponse `json:"steps,omitempty"`
}

func toReferralList(in []referrals.Referral, force bool, next string) listResponse[referralResponse] {
	out := listResponse[referralResponse]{Items: make([]referralResponse, 0, len(in)), Next: next}
	for _, r := range in {
		out.Items = append(out.Items, toReferral(r, force))
	}
	return out
}

// toReferral shapes r for its reader: the force sees the case id and who
// did what; the agency sees neither (it never reaches the case itself).
func toReferral(r referrals.Referral, force bool) referralResponse {
	out := referralResponse{ID: r.ID, AgencyID: r.AgencyID, Status: string(r.Status), Urgency: string(r.Urgency),
		DueAt: r.DueAt, Overdue: r.Overdue, CreatedAt: r.CreatedAt, Summary: r.Summary, Reason: r.Reason,
		LawfulBasis: string(r.LawfulBasis), LawfulBasisNote: r.LawfulBasisNote, Fields: []string{},
		IdentityShared: r.IdentityShared, Anonymous: r.Anonymous, AcknowledgedAt: r.AcknowledgedAt,
		DecidedAt: r.DecidedAt, Decision: string(r.Decision), AgencyReference: r.AgencyRef, Outcome: r.Outcome}
	if force {
		out.CaseID, out.CreatedBy = r.CaseID, r.CreatedBy
	}
	for _, f := range r.Fields {
		out.Fields = append(out.Fields, string(f))
	}
	if len(r.Shared) > 0 {
		out.Shared = map[string]string{}
		for k, v := range r.Shared {
			out.Shared[string(k)] = v
		}
	}
	for _, s := range r.Steps {
		st := referralStepResponse{Kind: s.Kind, Number: s.Number, At: s.At, ByAgency: s.ByAgency, Text: s.Text,
			Decision: string(s.Decision)}
		if force {
			st.By = s.By
		}
		out.Steps = append(out.Steps, st)
	}
	return out
}
