package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/pquerna/otp/totp"

	"speaksafe/accounts"
	"speaksafe/devices"
	"speaksafe/errkind"
	"speaksafe/oncall"
	"speaksafe/reports"
)

// demoFile keeps the demo users' sign-in details in DATA_DIR, so that a
// second start prints them again (the TOTP secrets exist nowhere else in
// clear). Development mode only.
const demoFile = "demo-users.json"

// DemoUser is one seeded account and how to sign in as it.
type DemoUser struct {
	Email      string `json:"email"`
	Password   string `json:"password"`
	Role       string `json:"role"`
	TOTPSecret string `json:"totpSecret,omitempty"`
}

// DemoData is what SeedDemo made: the force's code and the users.
type DemoData struct {
	ForceCode string     `json:"forceCode"`
	Users     []DemoUser `json:"users"`
}

// SeedDemo makes, once, a demonstration force with a school and a MASH,
// users of every role (officers, supervisor, admin and the MASH's partners
// with TOTP), a rota with a default escalation policy, a few reports of
// each kind, a referral and a school concern; then prints how to sign in. It refuses outside development mode. Later starts only print.
func (a *App) SeedDemo(ctx context.Context, w io.Writer) error {
	if a.cfg.Mode != ModeDevelopment {
		return errors.New("server: demo data only in development mode")
	}
	path := filepath.Join(a.cfg.DataDir, demoFile)
	data, err := readDemo(path)
	if errors.Is(err, os.ErrNotExist) {
		if data, err = a.seedDemo(ctx); err != nil {
			return err
		}
		err = writeDemo(path, data)
	}
	if err != nil {
		return err
	}
	printDemo(w, a.cfg.ListenAddr, data)
	return nil
}

func readDemo(path string) (DemoData, error) {
	var d DemoData
	b, err := os.ReadFile(path)
	if err != nil {
		return d, err
	}
	return d, json.Unmarshal(b, &d)
}

func writeDemo(path string, d DemoData) error {
	b, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o600)
}

func printDemo(w io.Writer, addr string, d DemoData) {
	fmt.Fprintf(w, "\nSpeakSafe demo (development mode): open http://%s/console/\n", addr)
	fmt.Fprintf(w, "Reports go to force code %q. Demo users (password; TOTP secret for an authenticator app):\n", d.ForceCode)
	for _, u := range d.Users {
		fmt.Fprintf(w, "  %-22s %-18s %-26s %s\n", u.Email, u.Role, u.Password, u.TOTPSecret)
	}
	fmt.Fprintln(w)
}

func demoAdmin() context.Context {
	return accounts.WithCaller(context.Background(), accounts.Caller{UserID: "operator:demo", Role: accounts.RoleAdmin})
}

func (a *App) seedDemo(ctx context.Context) (DemoData, error) {
	admin := demoAdmin()
	force, err := a.w.Accounts.CreateOrganisation(admin, accounts.Organisation{Kind: accounts.OrgForce,
		Name: "Demo Police", Code: "demo", Area: "Demoshire", NonEmergency: "101"})
	if errors.Is(err, errkind.Conflict) {
		return DemoData{}, errors.New("server: a force with code demo exists but DATA_DIR has no " + demoFile + "; start with an empty DATA_DIR")
	}
	if err != nil {
		return DemoData{}, err
	}
	school, err := a.w.Accounts.CreateOrganisation(admin, accounts.Organisation{Kind: accounts.OrgSchool,
		Name: "Demo High School", Code: "demo-high", ForceID: force.ID})
	if err != nil {
		return DemoData{}, err
	}
	agency, err := a.demoAgency(force.ID)
	if err != nil {
		return DemoData{}, err
	}
	data := DemoData{ForceCode: force.Code}
	ids := map[string]accounts.User{}
	for _, p := range []struct {
		email, name string
		role        accounts.Role
		org         string
		mfa         bool
	}{
		{"admin@demo.test", "Ada Admin", accounts.RoleAdmin, "", true},
		{"officer@demo.test", "PC Olu Officer", accounts.RoleOfficer, force.ID, true},
		{"sergeant@demo.test", "Sgt Sam Supervisor", accounts.RoleSupervisor, force.ID, true},
		{"lead@demo.test", "Lee Lead", accounts.RoleSafeguardingLead, school.ID, false},
		{"teacher@demo.test", "Tess Teacher", accounts.RoleSchoolStaff, school.ID, false},
		{"mash@demo.test", "Priya Practitioner", accounts.RolePartnerPractitioner, agency.ID, true},
		{"mash-lead@demo.test", "Max MASH Lead", accounts.RolePartnerLead, agency.ID, true},
	} {
		u, du, err := a.demoUser(ctx, p.email, p.name, p.role, p.org, p.mfa)
		if err != nil {
			return DemoData{}, err
		}
		ids[p.email] = u
		data.Users = append(data.Users, du)
	}
	if err := a.demoRota(ids["officer@demo.test"], ids["sergeant@demo.test"]); err != nil {
		return DemoData{}, err
	}
	if err := a.demoReports(ctx, force.Code); err != nil {
		return DemoData{}, err
	}
	pcc, err := a.demoOversight(ctx, force, ids["officer@demo.test"])
	if err != nil {
		return data, err
	}
	data.Users = append(data.Users, pcc)
	return data, a.demoSharing(ctx, force.Code, ids["officer@demo.test"], ids["teacher@demo.test"], agency.ID)
}

// demoUser invites a user, accepts the invite with a printed password and,
// when mfa is set, enrols and confirms TOTP.
func (a *App) demoUser(ctx context.Context, email, name string, role accounts.Role, org string, mfa bool) (accounts.User, DemoUser, error) {
	u, invite, err := a.w.Accounts.CreateUser(demoAdmin(), accounts.NewUser{Email: email, Name: name, Role: role, OrgID: org})
	if err != nil {
		return u, DemoUser{}, err
	}
	du := DemoUser{Email: email, Password: "demo password " + string(role), Role: string(role)}
	if err := a.w.Auth.AcceptInvite(ctx, invite, du.Password); err != nil {
		return u, du, err
	}
	if !mfa {
		return u, du, nil
	}
	e, err := a.w.Auth.EnrolTOTP(ctx, u.ID)
	if err != nil {
		return u, du, err
	}
	code, err := totp.GenerateCode(e.Secret, a.clock())
	if err != nil {
		return u, du, err
	}
	if _, err := a.w.Auth.ConfirmTOTP(ctx, u.ID, code); err != nil {
		return u, du, err
	}
	du.TOTPSecret = e.Secret
	return u, du, nil
}

// demoRota puts the officer on a 24-hour rotation with a phone, escalating
// to the sergeant and then a control-room webhook, as the default policy.
func (a *App) demoRota(officer, sergeant accounts.User) error {
	asOfficer := accounts.WithCaller(context.Background(), officer.Caller())
	if _, err := a.w.Devices.Register(asOfficer, devices.DeviceInput{Token: "demo-officer-phone", Platform: "android"}); err != nil {
		return err
	}
	asSergeant := accounts.WithCaller(context.Background(), sergeant.Caller())
	rot, err := a.w.OnCall.CreateRotation(asSergeant, oncall.Rotation{Name: "Response team", Members: []string{officer.ID},
		ShiftHours: 24, Handover: "07:00", TimeZone: "Europe/London", StartDate: "2026-01-01"})
	if err != nil {
		return err
	}
	p, err := a.w.OnCall.CreatePolicy(asSergeant, oncall.Policy{Name: "Default", Tiers: []oncall.Tier{
		{RotationID: rot.ID, DelaySeconds: 300},
		{UserIDs: []string{sergeant.ID}, DelaySeconds: 300},
		{Webhook: &oncall.Webhook{URL: "https://control-room.example.org/speaksafe"}, DelaySeconds: 300},
	}})
	if err != nil {
		return err
	}
	_, err = a.w.OnCall.SetDefault(asSergeant, p.ID)
	return err
}

// demoReports files a few reports of each kind: routine, identified,
// urgent (a planned meeting) and in danger now.
func (a *App) demoReports(ctx context.Context, force string) error {
	for i, r := range []reports.Report{
		{Category: reports.CategoryGiftsOrMoney, WhatHappened: "Someone I only know online keeps sending me game credits and asks me to keep it secret."},
		{Category: reports.CategoryWorriedAboutFriend, WhatHappened: "My friend has an older boyfriend who tells her not to talk to her mum."},
		{Category: reports.CategorySexualMessages, WhatHappened: "A man on a chat app sends me messages that make me uncomfortable.",
			Contact: &reports.Contact{Name: "Jo", Phone: "07700 900123", SafeTimes: "after 4pm", MayContact: true}},
		{Category: reports.CategoryAdultWantsToMeet, WhatHappened: "A man I met in a game wants to meet me after school on Friday.",
			Answers: reports.Answers{MeetingPlanned: true, AgeBand: "11-13"}},
		{Category: reports.CategoryThreatsToShareImages, WhatHappened: "Someone says they will post a photo of me unless I send more tonight.",
			Answers: reports.Answers{InDangerNow: true, AgeBand: "14-17"}},
	} {
		r.ForceCode = force
		if _, err := a.w.Reports.Submit(ctx, fmt.Sprintf("demo-report-000000-%d", i), r); err != nil {
			return err
		}
	}
	return nil
}
