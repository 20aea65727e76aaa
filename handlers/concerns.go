package handlers

import (
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"speaksafe/accounts"
	"speaksafe/reports"
)

// Concerns serves school concerns about pupils: a school's safeguarding
// lead or member of staff raises one, and follows its status. The police
// case behind it is never shown here; the store answers 404 for anything
// that is not a concern of the caller's school.
type Concerns struct {
	store *reports.Store
}

// NewConcerns returns the concern handlers.
func NewConcerns(store *reports.Store) *Concerns { return &Concerns{store: store} }

// Routes registers the concern routes.
func (h *Concerns) Routes(r *Router) {
	p := Roles(accounts.RoleSafeguardingLead, accounts.RoleSchoolStaff) // the force sees a concern as a case (/v1/cases)
	r.Add(fiber.MethodPost, "/v1/concerns", p, h.raise)
	r.Add(fiber.MethodGet, "/v1/concerns", p, h.list)
	r.Add(fiber.MethodGet, "/v1/concerns/:id", p, h.get)
}

type concernPupilBody struct {
	FirstName   string `json:"firstName"`
	YearGroup   string `json:"yearGroup"`
	DateOfBirth string `json:"dateOfBirth"`
}

type concernRequest struct {
	Category     string            `json:"category"`
	WhatHappened string            `json:"whatHappened"`
	ObservedAt   *time.Time        `json:"observedAt"`
	Pupil        *concernPupilBody `json:"pupil"`
	InDangerNow  bool              `json:"inDangerNow"`
	ParentsKnow  bool              `json:"parentsKnow"`
	ReferToMash  bool              `json:"referToMash"`
}

func (req *concernRequest) toConcern() reports.Concern {
	c := reports.Concern{Category: reports.Category(req.Category), WhatHappened: req.WhatHappened,
		InDangerNow: req.InDangerNow, ParentsKnow: req.ParentsKnow, ReferToMash: req.ReferToMash}
	if req.ObservedAt != nil {
		c.ObservedAt = *req.ObservedAt
	}
	if p := req.Pupil; p != nil {
		c.Pupil = reports.Pupil{FirstName: p.FirstName, YearGroup: p.YearGroup, DateOfBirth: p.DateOfBirth}
	}
	return c
}

type concernRaisedResponse struct {
	ID               string   `json:"id"`
	Reference        string   `json:"reference"`
	Status           string   `json:"status"`
	Urgent           bool     `json:"urgent"`
	UrgentReasons    []string `json:"urgentReasons"`
	CallEmergencyNow bool     `json:"callEmergencyNow"`
	Advice           string   `json:"advice"`
}

func (h *Concerns) raise(c *fiber.Ctx) error {
	var req concernRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	key := strings.Clone(c.Get("Idempotency-Key"))
	r, err := h.store.RaiseConcern(c.UserContext(), key, req.toConcern())
	if err != nil {
		return err
	}
	out := concernRaisedResponse{ID: r.ID, Reference: r.Reference, Status: string(reports.ConcernReceived),
		Urgent: r.Urgent, UrgentReasons: []string{}, CallEmergencyNow: r.CallEmergencyNow, Advice: reports.ConcernAdvice(r)}
	for _, reason := range r.Reasons {
		out.UrgentReasons = append(out.UrgentReasons, string(reason))
	}
	return c.Status(fiber.StatusCreated).JSON(out)
}

type concernReferralResponse struct {
	ReferredAt *time.Time `json:"referredAt,omitempty"`
	DecidedAt  *time.Time `json:"decidedAt,omitempty"`
	Decision   string     `json:"decision,omitempty"`
}

type concernResponse struct {
	ID             string                   `json:"id"`
	Reference      string                   `json:"reference"`
	Status         string                   `json:"status"`
	RaisedAt       time.Time                `json:"raisedAt"`
	RaisedBy       string                   `json:"raisedBy"`
	ObservedAt     time.Time                `json:"observedAt"`
	PupilFirstName string                   `json:"pupilFirstName"`
	YearGroup      string                   `json:"yearGroup"`
	ReferToMash    bool                     `json:"referToMash"`
	AcknowledgedAt *time.Time               `json:"acknowledgedAt,omitempty"`
	Referral       *concernReferralResponse `json:"referral,omitempty"`
	ClosedAt       *time.Time               `json:"closedAt,omitempty"`
	Outcome        string                   `json:"outcome,omitempty"`
}

func toConcernResponse(v reports.ConcernView) concernResponse {
	out := concernResponse{ID: v.ID, Reference: v.Reference, Status: string(v.Status), RaisedAt: v.RaisedAt,
		RaisedBy: v.RaisedBy, ObservedAt: v.ObservedAt, PupilFirstName: v.PupilFirstName, YearGroup: v.YearGroup,
		ReferToMash: v.ReferToMash, AcknowledgedAt: v.AcknowledgedAt, ClosedAt: v.ClosedAt, Outcome: v.Outcome}
	if p := v.Referral; p.ReferredAt != nil || p.DecidedAt != nil {
		out.Referral = &concernReferralResponse{ReferredAt: p.ReferredAt, DecidedAt: p.DecidedAt, Decision: p.Decision}
	}
	return out
}

func (h *Concerns) list(c *fiber.Ctx) error {
	limit := 0
	if c.Query("limit") != "" {
		var err error
		if limit, err = pageLimit(c); err != nil {
			return err
		}
	}
	page, err := h.store.SchoolConcerns(c.UserContext(), strings.Clone(c.Query("cursor")), limit)
	if err != nil {
		return err
	}
	out := listResponse[concernResponse]{Items: make([]concernResponse, 0, len(page.Concerns)), Next: page.NextCursor}
	for _, v := range page.Concerns {
		out.Items = append(out.Items, toConcernResponse(v))
	}
	return c.JSON(out)
}

func (h *Concerns) get(c *fiber.Ctx) error {
	v, err := h.store.SchoolConcern(c.UserContext(), strings.Clone(c.Params("id")))
	if err != nil {
		return err
	}
	return c.JSON(toConcernResponse(v))
}

// caseConcernResponse is what officers of the force see of a concern on
// its case: the school, who raised it and the pupil.
type caseConcernResponse struct {
	SchoolID    string           `json:"schoolId"`
	RaisedBy    string           `json:"raisedBy"`
	ObservedAt  time.Time        `json:"observedAt"`
	ParentsKnow bool             `json:"parentsKnow"`
	ReferToMash bool             `json:"referToMash"`
	Pupil       concernPupilBody `json:"pupil"`
}

func toCaseConcern(c *reports.ConcernDetail) *caseConcernResponse {
	if c == nil {
		return nil
	}
	return &caseConcernResponse{SchoolID: c.SchoolID, RaisedBy: c.RaisedBy, ObservedAt: c.ObservedAt,
		ParentsKnow: c.ParentsKnow, ReferToMash: c.ReferToMash,
		Pupil: concernPupilBody{FirstName: c.Pupil.FirstName, YearGroup: c.Pupil.YearGroup, DateOfBirth: c.Pupil.DateOfBirth}}
}
