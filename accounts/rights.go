package accounts

import "slices"

// Right is one thing a role lets its holder do. Rights exist to compare
// roles: nobody may give another person a role that grants something
// their own role does not (SECURITY 26), and that comparison is computed
// from these sets, never written out as pairs of roles.
type Right string

// Rights. Each names what the routes and stores of the role already allow;
// handlers.TestRoleRightsMatchRoutes checks the sets against the route
// policies.
const (
	RightReadCases       Right = "cases.read" // case text and children's contact details
	RightHandleCases     Right = "cases.handle"
	RightReceivePages    Right = "alerts.receive"
	RightReadOnCall      Right = "oncall.read"
	RightManageOnCall    Right = "oncall.manage" // rotas, overrides, policies, webhook
	RightReadOrgUsers    Right = "users.read"
	RightManageUsers     Right = "users.manage"
	RightAuthorContent   Right = "content.author"
	RightReviewContent   Right = "content.review"
	RightSchoolContent   Right = "content.school" // a school's collection and its figures
	RightManageOrgs      Right = "organisations.manage"
	RightResetAccounts   Right = "accounts.reset" // password and MFA resets
	RightAnyOrganisation Right = "organisations.any"
	RightReadFigures     Right = "figures.read" // aggregate, suppressed figures of a force
	// RightReceiveReferrals: read, acknowledge and decide the referrals
	// shared with one's agency.
	RightReceiveReferrals Right = "referrals.receive"
	// RightOverseeReferrals: see the agency's overdue referrals.
	RightOverseeReferrals Right = "referrals.oversee"
)

// Rights returns what role r grants. Unknown roles grant nothing.
func (r Role) Rights() []Right {
	switch r {
	case RoleAdmin:
		return []Right{RightReadCases, RightHandleCases, RightReceivePages, RightReadOnCall, RightManageOnCall,
			RightReadOrgUsers, RightManageUsers, RightAuthorContent, RightReviewContent, RightSchoolContent,
			RightManageOrgs, RightResetAccounts, RightAnyOrganisation, RightReadFigures, RightReceiveReferrals,
			RightOverseeReferrals}
	case RoleSupervisor:
		return []Right{RightReadCases, RightHandleCases, RightReceivePages, RightReadOnCall, RightManageOnCall,
			RightReadOrgUsers, RightReadFigures}
	case RoleOfficer:
		return []Right{RightReadCases, RightHandleCases, RightReceivePages, RightReadOnCall}
	case RoleSafeguardingLead:
		return []Right{RightAuthorContent, RightReviewContent, RightSchoolContent, RightReadOrgUsers, RightManageUsers}
	case RoleSchoolStaff:
		return []Right{RightAuthorContent, RightSchoolContent}
	case RoleCommissioner:
		return []Right{RightReadFigures}
	case RolePartnerPractitioner:
		return []Right{RightReceiveReferrals, RightReceivePages, RightReadOnCall}
	case RolePartnerLead:
		return []Right{RightReceiveReferrals, RightOverseeReferrals, RightReceivePages, RightReadOnCall,
			RightManageOnCall, RightReadOrgUsers, RightManageUsers}
	}
	return nil
}

// Has reports whether role r grants right x.
func (r Role) Has(x Right) bool { return slices.Contains(r.Rights(), x) }

// Covers reports whether everything role o grants, r grants too (o ⊆ r):
// the condition for a holder of r to create, invite, change or disable a
// holder of o.
func (r Role) Covers(o Role) bool {
	if !o.Valid() {
		return false
	}
	for _, x := range o.Rights() {
		if !r.Has(x) {
			return false
		}
	}
	return true
}
