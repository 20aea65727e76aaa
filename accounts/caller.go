package accounts

import "context"

// Role is what a signed-in member of staff may do. Young people never have
// accounts and so never have a role.
type Role string

// Roles. Admins run the service; supervisors and officers belong to a police
// force; safeguarding leads and school staff belong to a school or a force.
const (
	RoleAdmin            Role = "admin"
	RoleSupervisor       Role = "supervisor"
	RoleOfficer          Role = "officer"
	RoleSafeguardingLead Role = "safeguarding_lead"
	RoleSchoolStaff      Role = "school_staff"
	// RoleCommissioner is the police and crime commissioner's office: it
	// reads aggregate figures of the forces its oversight organisation
	// covers, and never a case, an alert or a person.
	RoleCommissioner Role = "commissioner"
	// RolePartnerPractitioner works in a partner agency (children's social
	// care, health, ...): sees only referrals shared with the agency,
	// acknowledges and decides them, and can be on the agency's on-call.
	RolePartnerPractitioner Role = "partner_practitioner"
	// RolePartnerLead is a practitioner who also manages the agency's
	// users and on-call, and sees its overdue referrals.
	RolePartnerLead Role = "partner_lead"
)

// FiguresOnly reports whether role r sees no records at all, only
// aggregate figures: to such a role every other route answers 404, as if
// nothing were there, rather than 403.
func (r Role) FiguresOnly() bool { return r == RoleCommissioner }

// OrgKind tells a police force from a school.
type OrgKind string

// Organisation kinds.
const (
	OrgForce  OrgKind = "force"
	OrgSchool OrgKind = "school"
	// OrgOversight is a police and crime commissioner's office: it covers
	// one or more forces (Organisation.ForceIDs) and handles no cases.
	OrgOversight OrgKind = "oversight"
	// OrgAgency is a safeguarding partner (children's social care, health,
	// education, youth justice) linked to one or more forces' areas.
	OrgAgency OrgKind = "agency"
)

// Caller is the signed-in member of staff making a request. Stores read it
// from the context and put its scope into their MongoDB filters.
type Caller struct {
	UserID  string
	Role    Role
	OrgID   string
	OrgKind OrgKind
	// ForceID is the police force whose area the caller works in: the
	// organisation itself for a force, the school's force for a school.
	ForceID string
}

type callerKey struct{}

// WithCaller returns ctx carrying c.
func WithCaller(ctx context.Context, c Caller) context.Context {
	return context.WithValue(ctx, callerKey{}, c)
}

// CallerFrom returns the caller carried by ctx and whether there is one.
func CallerFrom(ctx context.Context) (Caller, bool) {
	c, ok := ctx.Value(callerKey{}).(Caller)
	return c, ok && c.UserID != ""
}
