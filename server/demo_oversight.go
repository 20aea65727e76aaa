package server

import (
	"context"
	"fmt"

	"speaksafe/accounts"
	"speaksafe/reports"
)

// demoOversight gives the oversight screens something to show: a police
// and crime commissioner's office over the force with an analyst in it,
// reports naming the same online handle (related cases), and cases the
// officer has closed (outcomes in the figures).
func (a *App) demoOversight(ctx context.Context, force accounts.Organisation, officer accounts.User) (DemoUser, error) {
	office, err := a.w.Accounts.CreateOrganisation(demoAdmin(), accounts.Organisation{Kind: accounts.OrgOversight,
		Name: "Demoshire PCC office", Code: "demo-pcc", ForceIDs: []string{force.ID}})
	if err != nil {
		return DemoUser{}, err
	}
	_, du, err := a.demoUser(ctx, "pcc@demo.test", "Pat Commissioner", accounts.RoleCommissioner, office.ID, true)
	if err != nil {
		return DemoUser{}, err
	}
	handle := []reports.Handle{{Platform: "instagram", Handle: "cool_uncle_99"}}
	asOfficer := accounts.WithCaller(ctx, officer.Caller())
	for i, r := range []struct {
		report      reports.Report
		disposition reports.Disposition
	}{
		{reports.Report{Category: reports.CategoryGiftsOrMoney, WhatHappened: "cool_uncle_99 on Instagram sent me a gift card and wants photos.",
			Answers: reports.Answers{Handles: handle, AgeBand: "11-13"}}, ""},
		{reports.Report{Category: reports.CategoryGiftsOrMoney, WhatHappened: "A man called @Cool_Uncle_99 keeps messaging my friend on insta.",
			Answers: reports.Answers{Handles: handle, AgeBand: "14-17"}}, reports.DispositionNoFurtherAction},
		{reports.Report{Category: reports.CategoryWorriedAboutFriend, WhatHappened: "A boy in my class gets lifts from an older man."},
			reports.DispositionAdviceGiven},
	} {
		r.report.ForceCode = force.Code
		sub, err := a.w.Reports.Submit(ctx, fmt.Sprintf("demo-report-oversight-%d", i), r.report)
		if err != nil {
			return DemoUser{}, err
		}
		if r.disposition == "" {
			continue
		}
		if _, err := a.w.Reports.SetStatus(asOfficer, sub.CaseID, reports.StatusChange{Status: reports.StatusClosed,
			Disposition: r.disposition, Outcome: "Thank you for telling us. We have looked into it."}); err != nil {
			return DemoUser{}, err
		}
	}
	return du, nil
}
