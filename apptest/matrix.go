package apptest

import (
	"fmt"
	"testing"

	"speaksafe/accounts"
)

// World is a fixture of two police forces, a school in each force's area,
// and one member of staff of every role that fits each organisation, so
// that a role × object matrix can ask "may X of A touch Y of B?".
type World struct {
	ForceA, ForceB   accounts.Organisation
	SchoolA, SchoolB accounts.Organisation
	// OversightA is a commissioner's office covering force A only.
	OversightA accounts.Organisation
	// AgencyA serves force A's area, AgencyB force B's.
	AgencyA, AgencyB accounts.Organisation
	Admin            StaffUser
	// Staff is keyed "<org>/<role>", org one of forceA, forceB, schoolA,
	// schoolB, oversightA, agencyA, agencyB; e.g. "forceA/officer",
	// "schoolB/safeguarding_lead", "oversightA/commissioner",
	// "agencyA/partner_lead".
	Staff map[string]StaffUser
}

// NewWorld builds the fixture on a.
func (a *App) NewWorld(t testing.TB) *World {
	t.Helper()
	w := &World{Staff: map[string]StaffUser{}}
	w.ForceA, w.ForceB = a.CreateForce(t, ""), a.CreateForce(t, "")
	w.SchoolA = a.CreateSchool(t, w.ForceA.ID, "School A")
	w.SchoolB = a.CreateSchool(t, w.ForceB.ID, "School B")
	w.OversightA = a.CreateOversight(t, "Commissioner A", w.ForceA.ID)
	w.AgencyA = a.CreateAgency(t, "Agency A", accounts.AgencyChildrensSocialCare, w.ForceA.ID)
	w.AgencyB = a.CreateAgency(t, "Agency B", accounts.AgencyChildrensSocialCare, w.ForceB.ID)
	w.Admin = a.Staff(t, accounts.RoleAdmin, "")
	w.Staff["oversightA/commissioner"] = a.Staff(t, accounts.RoleCommissioner, w.OversightA.ID)
	forceRoles := []accounts.Role{accounts.RoleSupervisor, accounts.RoleOfficer, accounts.RoleSafeguardingLead, accounts.RoleSchoolStaff}
	schoolRoles := []accounts.Role{accounts.RoleSafeguardingLead, accounts.RoleSchoolStaff}
	for name, org := range map[string]accounts.Organisation{"forceA": w.ForceA, "forceB": w.ForceB} {
		for _, r := range forceRoles {
			w.Staff[name+"/"+string(r)] = a.Staff(t, r, org.ID)
		}
	}
	for name, org := range map[string]accounts.Organisation{"schoolA": w.SchoolA, "schoolB": w.SchoolB} {
		for _, r := range schoolRoles {
			w.Staff[name+"/"+string(r)] = a.Staff(t, r, org.ID)
		}
	}
	for name, org := range map[string]accounts.Organisation{"agencyA": w.AgencyA, "agencyB": w.AgencyB} {
		for _, r := range []accounts.Role{accounts.RolePartnerPractitioner, accounts.RolePartnerLead} {
			w.Staff[name+"/"+string(r)] = a.Staff(t, r, org.ID)
		}
	}
	return w
}

// Who returns the member of staff "<org>/<role>" ("admin" for the admin),
// failing the test if the fixture has none.
func (w *World) Who(t testing.TB, key string) StaffUser {
	t.Helper()
	if key == "admin" {
		return w.Admin
	}
	u, ok := w.Staff[key]
	if !ok {
		t.Fatalf("apptest: world has no %q", key)
	}
	return u
}

// MatrixRow is one cell of a role × object matrix: who asks (a World key),
// what they send (Request.Token is filled in) and the status they must get.
// Later features add rows for their own objects.
type MatrixRow struct {
	Who     string
	Request Request
	Want    int
}

// Name describes the row for t.Run.
func (r MatrixRow) Name() string {
	return fmt.Sprintf("%s %s %s", r.Who, r.Request.Method, r.Request.Path)
}

// RunMatrix sends every row as its caller and checks the status. Rows run
// in order (some change state, e.g. a PATCH); use separate matrices for
// independent objects.
func (a *App) RunMatrix(t *testing.T, w *World, rows []MatrixRow) {
	t.Helper()
	for _, row := range rows {
		t.Run(row.Name(), func(t *testing.T) {
			req := row.Request
			req.Token = w.Who(t, row.Who).Token
			res := a.Do(t, req)
			if res.Status != row.Want {
				t.Errorf("got status %d, want %d; body %s", res.Status, row.Want, res.Body)
			}
		})
	}
}
