package server

import (
	"context"
	"encoding/json"
	"fmt"

	"speaksafe/accounts"
	"speaksafe/database"
	"speaksafe/handlers"
	"speaksafe/referrals"
	"speaksafe/reports"
)

// wireReferrals builds the referral service, its routes and the worker
// that pages agencies about overdue immediate referrals. It needs the
// accounts, alerts and reports sections.
func (a *App) wireReferrals() error {
	cal, err := referrals.DefaultCalendar()
	if err != nil {
		return err
	}
	a.w.Referrals, err = referrals.New(referrals.Deps{DB: a.db, Keys: a.w.DataKeys, Cases: caseSharing{a.w.Reports},
		Orgs: a.w.Accounts, Audit: a.w.Audit, Pager: a.w.Pager, Calendar: cal, Log: a.logger, Now: a.clock})
	if err != nil {
		return err
	}
	a.w.Reports.UseReferrals(a.w.Referrals)
	a.AddSetup("referrals indexes", func(ctx context.Context) error {
		return database.EnsureIndexes(ctx, a.db, referrals.Indexes())
	})
	a.AddSetup("referrals linked to their cases", a.w.Referrals.LinkCases)
	a.AddWorker("overdue referrals", WorkerFunc(func(ctx context.Context) {
		a.w.Referrals.RunSweeper(ctx, referrals.SweepInterval)
	}))
	handlers.NewReferrals(a.w.Referrals, a.w.Accounts).Routes(a.Router)
	return nil
}

// Referrals returns the referral service, so that tests built without
// background workers can run its overdue sweep on an injected clock.
func (a *App) Referrals() *referrals.Service { return a.w.Referrals }

// caseSharing lets referrals read what an officer may share of a case: the
// case is opened as the officer (scoped to their force, audited as any
// read), and each shareable field is given as text.
type caseSharing struct{ store *reports.Store }

// ShareView opens case caseID as caller.
func (s caseSharing) ShareView(ctx context.Context, caller accounts.Caller, caseID string) (referrals.CaseFacts, error) {
	d, err := s.store.Case(accounts.WithCaller(ctx, caller), caseID)
	if err != nil {
		return referrals.CaseFacts{}, err
	}
	return shareFacts(d, caller.ForceID)
}

// sharedHandle and sharedContact are the JSON texts of the handles and
// contact a referral shares: sealed on the referral and shown to the
// agency as written, so these names never change.
type sharedHandle struct {
	Platform string `json:"platform"`
	Handle   string `json:"handle"`
}

type sharedContact struct {
	Name       string `json:"name,omitempty"`
	Phone      string `json:"phone,omitempty"`
	Email      string `json:"email,omitempty"`
	SafeTimes  string `json:"safeTimes,omitempty"`
	MayContact bool   `json:"mayContact"`
}

// shareFacts gives each shareable field of case d as text.
func shareFacts(d reports.CaseDetail, forceID string) (referrals.CaseFacts, error) {
	f := referrals.CaseFacts{ID: d.ID, ForceID: forceID, Identified: d.Identified, Values: map[referrals.Field]string{
		referrals.FieldCategory: string(d.Category), referrals.FieldWhatHappened: d.WhatHappened}}
	answers := struct {
		InDangerNow     bool `json:"inDangerNow"`
		HappeningNow    bool `json:"happeningNow"`
		MeetingPlanned  bool `json:"meetingPlanned"`
		KnowsWhereILive bool `json:"knowsWhereILive"`
	}{d.Answers.InDangerNow, d.Answers.HappeningNow, d.Answers.MeetingPlanned, d.Answers.KnowsWhereILive}
	handles := make([]sharedHandle, len(d.Answers.Handles))
	for i, h := range d.Answers.Handles {
		handles[i] = sharedHandle(h)
	}
	var contact *sharedContact
	if d.Contact != nil {
		c := sharedContact(*d.Contact)
		contact = &c
	}
	for field, v := range map[referrals.Field]any{referrals.FieldAnswers: answers, referrals.FieldHandles: handles,
		referrals.FieldContact: contact} {
		if field == referrals.FieldHandles && len(d.Answers.Handles) == 0 || field == referrals.FieldContact && d.Contact == nil {
			continue
		}
		raw, err := json.Marshal(v)
		if err != nil {
			return referrals.CaseFacts{}, fmt.Errorf("server: share %s: %w", field, err)
		}
		f.Values[field] = string(raw)
	}
	if d.Answers.AgeBand != "" {
		f.Values[referrals.FieldAgeBand] = string(d.Answers.AgeBand)
	}
	return f, nil
}

// ForceOf returns the force of case caseID.
func (s caseSharing) ForceOf(ctx context.Context, caseID string) (string, error) {
	return s.store.CaseForce(ctx, caseID)
}
