package server

import (
	"context"
	"time"

	"speaksafe/accounts"
	"speaksafe/referrals"
	"speaksafe/reports"
)

// demoAgency makes the demonstration force's MASH: a children's social
// care agency serving its area.
func (a *App) demoAgency(forceID string) (accounts.Organisation, error) {
	return a.w.Accounts.CreateOrganisation(demoAdmin(), accounts.Organisation{Kind: accounts.OrgAgency,
		Name: "Demoshire MASH", Code: "demo-mash", AgencyType: accounts.AgencyChildrensSocialCare, ForceIDs: []string{forceID}})
}

// demoSharing fills the multi-agency screens: a routine case the officer
// has referred to the MASH (standard urgency), and a concern the teacher
// raised about a pupil.
func (a *App) demoSharing(ctx context.Context, force string, officer, teacher accounts.User, agencyID string) error {
	sub, err := a.w.Reports.Submit(ctx, "demo-report-000000-referred", reports.Report{ForceCode: force,
		Category:     reports.CategoryGiftsOrMoney,
		WhatHappened: "A man at the bus stop keeps offering me a new phone if I go round to his flat.",
		Answers:      reports.Answers{AgeBand: "11-13"}})
	if err != nil {
		return err
	}
	asOfficer := accounts.WithCaller(ctx, officer.Caller())
	_, err = a.w.Referrals.Create(asOfficer, officer.Caller(), sub.CaseID, referrals.Input{AgencyIDs: []string{agencyID},
		Summary:     "A child aged 11-13 is offered gifts by an adult who asks them to visit his flat.",
		Reason:      "Signs of grooming: the MASH should assess whether the child needs support.",
		LawfulBasis: referrals.BasisSafeguardingChildren, Urgency: referrals.UrgencyStandard,
		Fields: []referrals.Field{referrals.FieldCategory, referrals.FieldWhatHappened, referrals.FieldAgeBand}})
	if err != nil {
		return err
	}
	now := a.clock().UTC()
	_, err = a.w.Reports.RaiseConcern(accounts.WithCaller(ctx, teacher.Caller()), "demo-concern-000000-1", reports.Concern{
		Category:     reports.CategorySexualMessages,
		WhatHappened: "Sam showed a friend messages from an adult asking for photos; the friend told me at break.",
		ObservedAt:   now.Add(-3 * time.Hour), ParentsKnow: false,
		Pupil: reports.Pupil{FirstName: "Sam", YearGroup: "year_9", DateOfBirth: now.AddDate(-14, -2, 0).Format(time.DateOnly)}})
	return err
}
