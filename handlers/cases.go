package handlers

import (
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"speaksafe/accounts"
	"speaksafe/errkind"
	"speaksafe/reports"
)

// Cases serves the case queue and case handling to officers and
// supervisors of the report's force. The route policy admits every staff
// role so that the store, which scopes cases to the caller's force, answers
// 404 to anyone else — the same as for a case that does not exist.
type Cases struct {
	store *reports.Store
	// names resolves other forces' names for handle matches (casehandles.go).
	names ForceNames
}

// NewCases returns the case handlers.
func NewCases(store *reports.Store) *Cases { return &Cases{store: store} }

func caseRoles() []accounts.Role {
	return []accounts.Role{accounts.RoleAdmin, accounts.RoleSupervisor, accounts.RoleOfficer,
		accounts.RoleSafeguardingLead, accounts.RoleSchoolStaff, accounts.RolePartnerPractitioner, accounts.RolePartnerLead}
}

// Routes registers the case routes.
func (h *Cases) Routes(r *Router) {
	p := Roles(caseRoles()...)
	r.Add(fiber.MethodGet, "/v1/cases", p, h.queue)
	r.Add(fiber.MethodGet, "/v1/cases/:id", p, h.get)
	r.Add(fiber.MethodPost, "/v1/cases/:id/messages", p, h.addMessage)
	r.Add(fiber.MethodPost, "/v1/cases/:id/notes", p, h.addNote)
	r.Add(fiber.MethodPut, "/v1/cases/:id/assignment", p, h.assign)
	r.Add(fiber.MethodPost, "/v1/cases/:id/status", p, h.setStatus)
}

// caseSummaryResponse is a case as the queue lists it (CaseSummary in the
// contract).
type caseSummaryResponse struct {
	ID            string    `json:"id"`
	Reference     string    `json:"reference"` // what the reporter and officers quote
	Category      string    `json:"category"`
	Urgent        bool      `json:"urgent"`
	UrgentReasons []string  `json:"urgentReasons"` // the urgency rules met; [] when none
	Status        string    `json:"status"`
	CreatedAt     time.Time `json:"createdAt"`
	AssignedTo    string    `json:"assignedTo,omitempty"` // a user id

	// FirstReadAt is when a handler first opened the case; ReporterMessageAt
	// the reporter's last message.
	FirstReadAt       *time.Time `json:"firstReadAt,omitempty"`
	ReporterMessageAt *time.Time `json:"reporterMessageAt,omitempty"`
	MeetingAt         *time.Time `json:"meetingAt,omitempty"` // when the reporter said a meeting is planned

	AlertState string `json:"alertState,omitempty"` // the urgent alert's state; absent for routine cases
	Flood      string `json:"flood,omitempty"`      // network or force: paged in a flood's digest
	Kind       string `json:"kind"`                 // report or concern; report when the store has none
}

func toCaseSummary(s reports.CaseSummary) caseSummaryResponse {
	out := caseSummaryResponse{ID: s.ID, Reference: s.Reference, Category: string(s.Category), Urgent: s.Urgent,
		UrgentReasons: []string{}, Status: string(s.Status), CreatedAt: s.CreatedAt, AssignedTo: s.AssignedTo,
		FirstReadAt: s.FirstReadAt, ReporterMessageAt: s.ReporterMessageAt, MeetingAt: s.MeetingAt, AlertState: string(s.AlertState),
		Flood: string(s.Flood), Kind: string(s.Kind)}
	if out.Kind == "" {
		out.Kind = string(reports.KindReport)
	}
	for _, r := range s.UrgentReasons {
		out.UrgentReasons = append(out.UrgentReasons, string(r))
	}
	return out
}

type caseListResponse struct {
	Items []caseSummaryResponse `json:"items"`
	Next  string                `json:"next,omitempty"`
	// OtherForces and Patterns answer a search by handle (casehandles.go).
	OtherForces *otherForcesResponse `json:"otherForces,omitempty"`
	Patterns    []string             `json:"patterns,omitempty"`
}

func (h *Cases) queue(c *fiber.Ctx) error {
	if c.Query("handle") != "" || c.Query("platform") != "" {
		return h.byHandle(c)
	}
	f := reports.QueueFilter{
		Status:   reports.Status(strings.Clone(c.Query("status"))),
		Category: reports.Category(strings.Clone(c.Query("category"))),
		Cursor:   strings.Clone(c.Query("cursor")),
	}
	if c.Query("limit") != "" {
		f.Limit = c.QueryInt("limit", -1)
		if f.Limit < 1 {
			return errkind.Invalid("limit", "must be 1 to 100")
		}
	}
	page, err := h.store.Queue(c.UserContext(), f)
	if err != nil {
		return err
	}
	out := caseListResponse{Items: make([]caseSummaryResponse, 0, len(page.Cases)), Next: page.NextCursor}
	for _, s := range page.Cases {
		out.Items = append(out.Items, toCaseSummary(s))
	}
	return c.JSON(out)
}

type staffMessageResponse struct {
	ID   string    `json:"id"`
	From string    `json:"from"`
	By   string    `json:"by,omitempty"`
	At   time.Time `json:"at"`
	Body string    `json:"body"`
}

type caseNoteResponse struct {
	ID   string    `json:"id"`
	By   string    `json:"by"`
	At   time.Time `json:"at"`
	Body string    `json:"body"`
}

type caseDetailResponse struct {
	caseSummaryResponse
	WhatHappened   string                 `json:"whatHappened"`
	Answers        answersBody            `json:"answers"`
	Identified     bool                   `json:"identified"`
	Contact        *contactBody           `json:"contact,omitempty"`
	FirstReadBy    string                 `json:"firstReadBy,omitempty"`
	AcknowledgedAt *time.Time             `json:"acknowledgedAt,omitempty"`
	AcknowledgedBy string                 `json:"acknowledgedBy,omitempty"`
	Disposition    string                 `json:"disposition,omitempty"`
	Outcome        string                 `json:"outcome,omitempty"`
	ClosedAt       *time.Time             `json:"closedAt,omitempty"`
	ClosedBy       string                 `json:"closedBy,omitempty"`
	Messages       []staffMessageResponse `json:"messages"`
	Notes          []caseNoteResponse     `json:"notes"`
	// RelatedReference is an earlier report the child pointed to.
	RelatedReference string `json:"relatedReference,omitempty"`
	// RelatedCases are the cases naming the same handles (casehandles.go).
	RelatedCases *handleMatchesResponse `json:"relatedCases,omitempty"`
	// Concern is set on a school's concern (kind concern).
	Concern *caseConcernResponse `json:"concern,omitempty"`
}

func toCaseDetail(d reports.CaseDetail) caseDetailResponse {
	out := caseDetailResponse{
		caseSummaryResponse: toCaseSummary(d.CaseSummary), WhatHappened: d.WhatHappened, Identified: d.Identified,
		Answers: toAnswersBody(d.Answers), Contact: toContactBody(d.Contact),
		FirstReadBy: d.FirstReadBy, AcknowledgedAt: d.AcknowledgedAt, AcknowledgedBy: d.AcknowledgedBy,
		Disposition: string(d.Disposition), Outcome: d.Outcome, ClosedAt: d.ClosedAt, ClosedBy: d.ClosedBy,
		Messages: make([]staffMessageResponse, 0, len(d.Messages)), Notes: make([]caseNoteResponse, 0, len(d.Notes)),
	}
	out.Concern = toCaseConcern(d.Concern)
	for _, m := range d.Messages {
		out.Messages = append(out.Messages, toStaffMessage(m))
	}
	for _, n := range d.Notes {
		out.Notes = append(out.Notes, caseNoteResponse{ID: n.ID, By: n.By, At: n.At, Body: n.Body})
	}
	return out
}

func toStaffMessage(m reports.Message) staffMessageResponse {
	return staffMessageResponse{ID: m.ID, From: string(m.From), By: m.By, At: m.At, Body: m.Body}
}

func (h *Cases) get(c *fiber.Ctx) error {
	id := strings.Clone(c.Params("id"))
	d, err := h.store.Case(c.UserContext(), id)
	if err != nil {
		return err
	}
	out := toCaseDetail(d)
	if out.RelatedReference, err = h.store.RelatedReference(c.UserContext(), id); err != nil {
		return err
	}
	if out.RelatedCases, err = h.related(c, id); err != nil {
		return err
	}
	return c.JSON(out)
}

func (h *Cases) addMessage(c *fiber.Ctx) error {
	var req threadMessageRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	m, err := h.store.AddStaffMessage(c.UserContext(), strings.Clone(c.Params("id")), req.Body)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(toStaffMessage(m))
}

func (h *Cases) addNote(c *fiber.Ctx) error {
	var req threadMessageRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	n, err := h.store.AddNote(c.UserContext(), strings.Clone(c.Params("id")), req.Body)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(caseNoteResponse{ID: n.ID, By: n.By, At: n.At, Body: n.Body})
}

type caseAssignmentRequest struct {
	// UserID is the officer to assign; empty takes the case from whoever has it.
	UserID string `json:"userId"`
}

func (h *Cases) assign(c *fiber.Ctx) error {
	var req caseAssignmentRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if err := h.store.Assign(c.UserContext(), strings.Clone(c.Params("id")), req.UserID); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

type caseStatusRequest struct {
	Status      string `json:"status"`
	Disposition string `json:"disposition"`
	Outcome     string `json:"outcome"`
}

func (h *Cases) setStatus(c *fiber.Ctx) error {
	var req caseStatusRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	d, err := h.store.SetStatus(c.UserContext(), strings.Clone(c.Params("id")), reports.StatusChange{
		Status: reports.Status(req.Status), Disposition: reports.Disposition(req.Disposition), Outcome: req.Outcome,
	})
	if err != nil {
		return err
	}
	return c.JSON(toCaseDetail(d))
}
