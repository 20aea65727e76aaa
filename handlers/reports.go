package handlers

import (
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"speaksafe/reports"
)

// Reports serves report intake and the opening of reporter sessions: the
// anonymous routes. Nothing here reads the client's address, user agent or
// any other header that could identify the child, except the keyed hash
// that per-client rate limits use.
type Reports struct {
	store  *reports.Store
	limits *Limits
}

// NewReports returns the report intake handlers.
func NewReports(store *reports.Store, limits *Limits) *Reports {
	return &Reports{store: store, limits: limits}
}

// Routes registers the intake routes. Neither route has a per-client
// limit in front of it: the store answers a retry before any limit, never
// refuses an urgent report (floods are grouped for paging instead), limits
// routine reports per client, and throttles wrong receipts per client.
func (h *Reports) Routes(r *Router) {
	r.Add(fiber.MethodPost, "/v1/reports", Public(), h.submit)
	r.Add(fiber.MethodPost, "/v1/reports/session", Public(), h.openSession)
}

// Per-client limit of the reporter's writes.
const (
	reporterWritesPerLimit = 30
	reporterWritesWindow   = time.Hour
)

// handleBody, answersBody and contactBody are a report's parts on the
// wire: the same in the report a child sends and in the case an officer
// reads (omitted-when-empty fields only shape the answer).
type handleBody struct {
	Platform string `json:"platform"`
	Handle   string `json:"handle"` // the account's name on that platform
}

// answersBody holds the child's answers to the report's questions; the
// urgency rules read them.
type answersBody struct {
	InDangerNow     bool         `json:"inDangerNow"`
	HappeningNow    bool         `json:"happeningNow"`
	MeetingPlanned  bool         `json:"meetingPlanned"`      // a meeting with the adult is planned
	MeetingAt       *time.Time   `json:"meetingAt,omitempty"` // only with MeetingPlanned, when known
	KnowsWhereILive bool         `json:"knowsWhereILive"`     // the adult knows where the child lives
	Handles         []handleBody `json:"handles"`             // the adult's accounts
	AgeBand         string       `json:"ageBand,omitempty"`   // the child's: under_8, 8-10, 11-13, 14-17, 18_or_over
}

func toAnswersBody(a reports.Answers) answersBody {
	out := answersBody{InDangerNow: a.InDangerNow, HappeningNow: a.HappeningNow, MeetingPlanned: a.MeetingPlanned,
		MeetingAt: a.MeetingAt, KnowsWhereILive: a.KnowsWhereILive, AgeBand: string(a.AgeBand), Handles: []handleBody{}}
	for _, h := range a.Handles {
		out.Handles = append(out.Handles, handleBody(h))
	}
	return out
}

func (a *answersBody) domain() reports.Answers {
	out := reports.Answers{InDangerNow: a.InDangerNow, HappeningNow: a.HappeningNow, MeetingPlanned: a.MeetingPlanned,
		MeetingAt: a.MeetingAt, KnowsWhereILive: a.KnowsWhereILive, AgeBand: reports.AgeBand(a.AgeBand)}
	for _, h := range a.Handles {
		out.Handles = append(out.Handles, reports.Handle(h))
	}
	return out
}

type contactBody struct {
	Name       string `json:"name,omitempty"`
	Phone      string `json:"phone,omitempty"`
	Email      string `json:"email,omitempty"`
	SafeTimes  string `json:"safeTimes,omitempty"`
	MayContact bool   `json:"mayContact"`
}

func toContactBody(c *reports.Contact) *contactBody {
	if c == nil {
		return nil
	}
	out := contactBody(*c)
	return &out
}

type reportRequest struct {
	ForceCode    string       `json:"forceCode"`
	Category     string       `json:"category"`
	WhatHappened string       `json:"whatHappened"`
	Answers      *answersBody `json:"answers"`
	Contact      *contactBody `json:"contact"`
	Locale       string       `json:"locale"`
	// RelatedReference is an earlier report's reference, if the child has one.
	RelatedReference string `json:"relatedReference"`
}

func (req *reportRequest) domain() reports.Report {
	r := reports.Report{ForceCode: req.ForceCode, Category: reports.Category(req.Category), WhatHappened: req.WhatHappened,
		RelatedReference: req.RelatedReference}
	if req.Answers != nil {
		r.Answers = req.Answers.domain()
	}
	if c := req.Contact; c != nil {
		ct := reports.Contact(*c)
		r.Contact = &ct
	}
	return r
}

type reportHelplineResponse struct {
	Name  string `json:"name"`
	Phone string `json:"phone,omitempty"`
	URL   string `json:"url,omitempty"`
	When  string `json:"when"`
}

type reportGuidanceResponse struct {
	CallEmergencyNow bool                     `json:"callEmergencyNow"`
	WhatHappensNext  string                   `json:"whatHappensNext"`
	Helplines        []reportHelplineResponse `json:"helplines"`
	Images           reportImagesResponse     `json:"images"`
}

type reportImagesResponse struct {
	Text string `json:"text"`
	URL  string `json:"url"`
}

type reportResponse struct {
	Reference string                 `json:"reference"`
	Receipt   string                 `json:"receipt"`
	Urgent    bool                   `json:"urgent"`
	Guidance  reportGuidanceResponse `json:"guidance"`
}

func toReportGuidance(g reports.Guidance) reportGuidanceResponse {
	out := reportGuidanceResponse{CallEmergencyNow: g.CallEmergencyNow, WhatHappensNext: g.WhatHappensNext,
		Images: reportImagesResponse{Text: g.Images.Text, URL: g.Images.URL}, Helplines: []reportHelplineResponse{}}
	for _, h := range g.Helplines {
		out.Helplines = append(out.Helplines, reportHelplineResponse{Name: h.Name, Phone: h.Phone, URL: h.URL, When: h.When})
	}
	return out
}

func (h *Reports) submit(c *fiber.Ctx) error {
	var req reportRequest
	if err := decodeChildJSON(c, &req); err != nil {
		return err
	}
	key := strings.Clone(c.Get("Idempotency-Key"))
	report := req.domain()
	sub, err := h.store.SubmitFrom(c.UserContext(), key, report, h.limits.Client(c))
	if err != nil {
		return err
	}
	sub.Guidance = h.store.LocalGuidance(c.UserContext(), &report, sub, childLocale(c, req.Locale))
	return c.Status(fiber.StatusCreated).JSON(reportResponse{
		Reference: sub.Reference, Receipt: sub.Receipt, Urgent: sub.Urgent, Guidance: toReportGuidance(sub.Guidance),
	})
}

type reporterSessionRequest struct {
	Reference string `json:"reference"`
	Receipt   string `json:"receipt"`
	Locale    string `json:"locale"`
}

type reporterSessionResponse struct {
	Token     string    `json:"token"`
	TokenType string    `json:"tokenType"`
	ExpiresAt time.Time `json:"expiresAt"`
}

func (h *Reports) openSession(c *fiber.Ctx) error {
	var req reporterSessionRequest
	if err := decodeChildJSON(c, &req); err != nil {
		return err
	}
	s, err := h.store.OpenSession(c.UserContext(), req.Reference, req.Receipt, h.limits.Client(c))
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(reporterSessionResponse{Token: s.Token, TokenType: "Bearer", ExpiresAt: s.ExpiresAt})
}
