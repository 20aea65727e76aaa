package handlers

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"speaksafe/reports"
)

// ReporterCases serves a young person's return to their case, behind a reporter
// session scoped to that one case.
type ReporterCases struct {
	store  *reports.Store
	limits *Limits
}

// NewReporterCases returns the reporter handlers.
func NewReporterCases(store *reports.Store, limits *Limits) *ReporterCases {
	return &ReporterCases{store: store, limits: limits}
}

// Routes registers the reporter routes.
func (h *ReporterCases) Routes(r *Router) {
	r.Add(fiber.MethodGet, "/v1/reporter/case", Reporter(), h.get)
	r.Add(fiber.MethodPost, "/v1/reporter/case/messages", Reporter(),
		h.limits.PerClient("reporter-messages", reporterWritesPerLimit, reporterWritesWindow), h.addMessage)
}

// reporterMessageResponse is a message as the reporter sees it: who wrote it by
// side only, never the officer's identity.
type reporterMessageResponse struct {
	ID   string    `json:"id"`
	From string    `json:"from"`
	At   time.Time `json:"at"`
	Body string    `json:"body"`
}

type reporterCaseResponse struct {
	Reference string                    `json:"reference"`
	Category  string                    `json:"category"`
	Status    string                    `json:"status"`
	CreatedAt time.Time                 `json:"createdAt"`
	Read      bool                      `json:"read"`
	ReadAt    *time.Time                `json:"readAt,omitempty"`
	ClosedAt  *time.Time                `json:"closedAt,omitempty"`
	Outcome   string                    `json:"outcome,omitempty"`
	Messages  []reporterMessageResponse `json:"messages"`
	// WhatHappensNext tells the child where the case stands, in their language.
	WhatHappensNext string `json:"whatHappensNext"`
}

func toReporterMessages(ms []reports.Message) []reporterMessageResponse {
	out := make([]reporterMessageResponse, 0, len(ms))
	for _, m := range ms {
		out = append(out, reporterMessageResponse{ID: m.ID, From: string(m.From), At: m.At, Body: m.Body})
	}
	return out
}

func (h *ReporterCases) get(c *fiber.Ctx) error {
	v, err := h.store.ReporterCase(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(reporterCaseResponse{
		Reference: v.Reference, Category: string(v.Category), Status: string(v.Status), CreatedAt: v.CreatedAt,
		Read: v.ReadAt != nil, ReadAt: v.ReadAt, ClosedAt: v.ClosedAt, Outcome: v.Outcome, Messages: toReporterMessages(v.Messages),
		WhatHappensNext: reports.CaseText(v.Status, v.ReadAt != nil, childLocale(c, "")),
	})
}

type threadMessageRequest struct {
	Body string `json:"body"`
}

func (h *ReporterCases) addMessage(c *fiber.Ctx) error {
	var req threadMessageRequest
	if err := decodeChildJSON(c, &req); err != nil {
		return err
	}
	m, err := h.store.AddReporterMessage(c.UserContext(), req.Body)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(reporterMessageResponse{ID: m.ID, From: string(m.From), At: m.At, Body: m.Body})
}
