package console

import (
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"speaksafe/database"
	"speaksafe/errkind"
	"speaksafe/handlers"
	"speaksafe/referrals"
	"speaksafe/reports"
)

// concernRoutes are a school's concerns about pupils: raising one and
// following its status, through the very store calls of /v1/concerns
// (a school's staff see their own concerns, its safeguarding lead every
// concern of the school; anyone else gets 404).
func (c *Console) concernRoutes() {
	p := handlers.Roles(schoolRoles()...) // the force sees a concern as a case (/cases)
	c.add(fiber.MethodGet, "/concerns", p, c.concerns)
	c.add(fiber.MethodGet, "/concerns/new", p, c.newConcern)
	c.add(fiber.MethodPost, "/concerns", p, c.raiseConcern)
	c.add(fiber.MethodGet, "/concerns/:id", p, c.concern)
}

type concernsView struct {
	Concerns []reports.ConcernView
	Next     string
}

func (c *Console) concerns(ctx *fiber.Ctx) error {
	page, err := c.d.Reports.SchoolConcerns(ctx.UserContext(), strings.Clone(ctx.Query("cursor")), 50)
	if err != nil {
		return err
	}
	return c.render(ctx, "concerns", "Concerns", concernsView{Concerns: page.Concerns, Next: page.NextCursor})
}

type concernFormView struct {
	Key        string
	Categories []reports.Category
	YearGroups []string
}

// newConcern shows the form with a fresh idempotency key: sending the
// same form twice (a double click, a retry) raises one concern.
func (c *Console) newConcern(ctx *fiber.Ctx) error {
	groups := []string{"nursery", "reception"}
	for i := 1; i <= 13; i++ {
		groups = append(groups, "year_"+strconv.Itoa(i))
	}
	return c.render(ctx, "concern-new", "Raise a concern", concernFormView{Key: database.NewID(),
		Categories: reports.Categories(), YearGroups: groups})
}

type concernView struct {
	Concern reports.ConcernView
	// Advice is shown once, right after raising: call 999 first when
	// the pupil is in danger now.
	Advice    string
	Emergency bool
}

func (c *Console) raiseConcern(ctx *fiber.Ctx) error {
	observed, err := observedAt(strings.TrimSpace(ctx.FormValue("observedAt")))
	if err != nil {
		return err
	}
	in := reports.Concern{Category: reports.Category(strings.Clone(ctx.FormValue("category"))),
		WhatHappened: strings.Clone(ctx.FormValue("whatHappened")), ObservedAt: observed,
		Pupil: reports.Pupil{FirstName: strings.Clone(ctx.FormValue("pupilFirstName")),
			YearGroup: strings.Clone(ctx.FormValue("yearGroup")), DateOfBirth: strings.Clone(ctx.FormValue("dateOfBirth"))},
		InDangerNow: ctx.FormValue("inDangerNow") == "on", ParentsKnow: ctx.FormValue("parentsKnow") == "on",
		ReferToMash: ctx.FormValue("referToMash") == "on"}
	r, err := c.d.Reports.RaiseConcern(ctx.UserContext(), strings.Clone(ctx.FormValue("idempotencyKey")), in)
	if err != nil {
		return err
	}
	v, err := c.d.Reports.SchoolConcern(ctx.UserContext(), r.ID)
	if err != nil {
		return err
	}
	return c.render(ctx.Status(fiber.StatusCreated), "concern", "Concern "+v.Reference,
		concernView{Concern: v, Advice: reports.ConcernAdvice(r), Emergency: r.CallEmergencyNow})
}

// observedAt reads a datetime-local field as London time, where the
// schools are.
func observedAt(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	loc, err := time.LoadLocation(referrals.Zone)
	if err != nil {
		loc = time.UTC
	}
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, errkind.Invalid("observedAt", "must be a date and time")
}

func (c *Console) concern(ctx *fiber.Ctx) error {
	v, err := c.d.Reports.SchoolConcern(ctx.UserContext(), strings.Clone(ctx.Params("id")))
	if err != nil {
		return err
	}
	return c.render(ctx, "concern", "Concern "+v.Reference, concernView{Concern: v})
}
