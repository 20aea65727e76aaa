package accounts

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"speaksafe/audit"
	"speaksafe/database"
	"speaksafe/errkind"
)

// User is a member of staff. Young people never have accounts.
type User struct {
	ID    string `bson:"_id"`
	Email string `bson:"email"`
	Name  string `bson:"name"`
	Role  Role   `bson:"role"`
	// OrgID is empty only for an admin who belongs to no organisation.
	OrgID string `bson:"orgId,omitempty"`
	// OrgKind and ForceID copy the organisation's kind and force (both
	// fixed at its creation) so that authenticating needs one read.
	OrgKind  OrgKind `bson:"orgKind,omitempty"`
	ForceID  string  `bson:"forceId,omitempty"`
	Disabled bool    `bson:"disabled"`
	// TokenVersion is in every access token; changing it kills them all.
	TokenVersion int64 `bson:"tokenVersion"`
	// PasswordHash is an Argon2id PHC string; empty until the invite is
	// accepted.
	PasswordHash string    `bson:"passwordHash,omitempty"`
	TOTP         *TOTPData `bson:"totp,omitempty"`
	CreatedAt    time.Time `bson:"createdAt"`
	UpdatedAt    time.Time `bson:"updatedAt"`
}

// Caller is the request identity this user has.
func (u User) Caller() Caller {
	return Caller{UserID: u.ID, Role: u.Role, OrgID: u.OrgID, OrgKind: u.OrgKind, ForceID: u.ForceID}
}

// MFAEnrolled reports whether the user has a confirmed TOTP secret.
func (u User) MFAEnrolled() bool { return u.TOTP != nil && u.TOTP.Confirmed }

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	switch r {
	case RoleAdmin, RoleSupervisor, RoleOfficer, RoleSafeguardingLead, RoleSchoolStaff, RoleCommissioner,
		RolePartnerPractitioner, RolePartnerLead:
		return true
	}
	return false
}

// fits reports whether role r may belong to an organisation of kind k
// (k empty: no organisation, which only an admin may have).
func (r Role) fits(k OrgKind) bool {
	switch r {
	case RoleAdmin:
		return true
	case RoleSupervisor, RoleOfficer:
		return k == OrgForce
	case RoleSafeguardingLead, RoleSchoolStaff:
		return k == OrgForce || k == OrgSchool
	case RoleCommissioner:
		return k == OrgOversight
	case RolePartnerPractitioner, RolePartnerLead:
		return k == OrgAgency
	}
	return false
}

// roleChoices is the field error for an unknown role.
const roleChoices = "must be admin, supervisor, officer, safeguarding_lead, school_staff, commissioner, partner_practitioner or partner_lead"

// NormaliseEmail trims and lower-cases an address so that one person has
// one account however they type it.
func NormaliseEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// NewUser is what an admin or safeguarding lead gives to create a user.
type NewUser struct {
	Email string
	Name  string
	Role  Role
	OrgID string
}

// Validate reports every problem with n, without looking anything up.
func (n NewUser) Validate() error {
	v := &errkind.ValidationError{}
	addr, err := mail.ParseAddress(n.Email)
	v.Check(err != nil || addr.Address != n.Email || len(n.Email) > 254, "email", "must be a plain email address")
	l := utf8.RuneCountInString(strings.TrimSpace(n.Name))
	v.Check(l == 0 || l > 120, "name", "must be 1 to 120 characters")
	v.Check(!n.Role.Valid(), "role", roleChoices)
	v.Check(n.Role != RoleAdmin && n.OrgID == "", "orgId", "is required for this role")
	return v.Err()
}

type emailClaim struct {
	Email     string    `bson:"_id"`
	UserID    string    `bson:"userId"`
	ClaimedAt time.Time `bson:"claimedAt"`
}

// CreateUser creates a user who has no password yet and answers with an
// invite token (shown once) with which they set it. The caller needs the
// right to manage users and may create only users of their own
// organisation whose role grants nothing theirs does not (an admin any).
// An organisation the caller cannot see is "no such organisation".
func (s *Store) CreateUser(ctx context.Context, n NewUser) (User, string, error) {
	c, err := RequireCaller(ctx)
	if err != nil {
		return User{}, "", err
	}
	if !c.Role.Has(RightManageUsers) {
		return User{}, "", fmt.Errorf("accounts: create user: %w", errkind.Forbidden)
	}
	n.Email = NormaliseEmail(n.Email)
	n.Name = strings.TrimSpace(n.Name)
	if err := n.Validate(); err != nil {
		return User{}, "", err
	}
	u := User{ID: database.NewID(), Email: n.Email, Name: n.Name, Role: n.Role}
	if n.OrgID != "" {
		org, err := s.Organisation(ctx, n.OrgID)
		if err != nil {
			return User{}, "", errkind.Invalid("orgId", "no such organisation")
		}
		u.OrgID, u.OrgKind, u.ForceID = org.ID, org.Kind, org.ScopeForceID()
	}
	if err := mayManage(c, u); err != nil {
		return User{}, "", err
	}
	if !n.Role.fits(u.OrgKind) {
		return User{}, "", errkind.Invalid("role", "does not fit the organisation's kind")
	}
	e := audit.Entry{Action: "user.create", ObjectType: "user", ObjectID: u.ID,
		Detail: map[string]string{"role": string(u.Role), "orgId": u.OrgID, "invite": "issued"}}
	if err := s.insertUser(ctx, &u, e); err != nil {
		return User{}, "", err
	}
	token, err := s.newInvite(ctx, u.ID)
	if err != nil {
		return User{}, "", err
	}
	return u, token, nil
}

// insertUser claims the email address, records e and inserts u. A taken
// address is a Conflict; the claim is the only atomic uniqueness on the
// embedded store, and is released when e or u cannot be written.
func (s *Store) insertUser(ctx context.Context, u *User, e audit.Entry) error {
	u.CreatedAt = s.now().UTC().Truncate(time.Millisecond)
	u.UpdatedAt = u.CreatedAt
	claim := emailClaim{Email: u.Email, UserID: u.ID, ClaimedAt: u.CreatedAt}
	err := database.Claim(ctx, s.logger, s.db.Collection(colUserEmails), u.Email, claim, func(ctx context.Context) error {
		if err := s.record(ctx, e); err != nil {
			return err
		}
		if _, err := s.db.Collection(colUsers).InsertOne(ctx, u); err != nil {
			return fmt.Errorf("accounts: insert user: %w", err)
		}
		return nil
	})
	if errors.Is(err, database.ErrClaimed) {
		return fmt.Errorf("accounts: email address in use: %w", errkind.Conflict)
	}
	return err
}

// userScope restricts users to those the caller may see: all for a role
// with any organisation (admin), their organisation's for a role that reads
// its users (safeguarding lead, supervisor), themselves for anyone else,
// nobody without a caller.
func userScope(ctx context.Context) bson.D {
	c, ok := CallerFrom(ctx)
	switch {
	case !ok:
		return bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: bson.A{}}}}}
	case c.Role.Has(RightAnyOrganisation):
		return bson.D{}
	case c.Role.Has(RightReadOrgUsers):
		return bson.D{{Key: "orgId", Value: c.OrgID}}
	default:
		return bson.D{{Key: "_id", Value: c.UserID}}
	}
}

// GetUser returns user id if the caller may see it, otherwise NotFound.
func (s *Store) GetUser(ctx context.Context, id string) (User, error) {
	filter := bson.D{{Key: "$and", Value: bson.A{bson.D{{Key: "_id", Value: id}}, userScope(ctx)}}}
	if c, ok := CallerFrom(ctx); ok && c.Role.Has(RightAnyOrganisation) {
		filter = bson.D{{Key: "_id", Value: id}}
	}
	return s.findUser(ctx, filter, id)
}

// LookupUser returns user id whoever asks. It is for the authenticator and
// background work that has no caller; never hand its answer to a request's
// caller without scoping it.
func (s *Store) LookupUser(ctx context.Context, id string) (User, error) {
	return s.findUser(ctx, bson.D{{Key: "_id", Value: id}}, id)
}

func (s *Store) findUser(ctx context.Context, filter bson.D, id string) (User, error) {
	var u User
	err := s.db.Collection(colUsers).FindOne(ctx, filter).Decode(&u)
	if database.IsNotFound(err) {
		return User{}, fmt.Errorf("accounts: user %s: %w", id, errkind.NotFound)
	}
	if err != nil {
		return User{}, fmt.Errorf("accounts: user %s: %w", id, err)
	}
	return u, nil
}

// UserByEmail finds the user who claimed email, by two _id reads. It is not
// scoped to a caller: sign-in and the operator's commands use it.
func (s *Store) UserByEmail(ctx context.Context, email string) (User, error) {
	claim, err := database.FindByID[emailClaim](ctx, s.db.Collection(colUserEmails), NormaliseEmail(email),
		fmt.Errorf("accounts: user by email: %w", errkind.NotFound))
	if err != nil {
		return User{}, err
	}
	return s.LookupUser(ctx, claim.UserID)
}

// UserQuery narrows a listing of users.
type UserQuery struct {
	OrgID string
	Role  Role
	After string
	Limit int
}

// ListUsers returns the users the caller may see, ordered by id.
func (s *Store) ListUsers(ctx context.Context, q UserQuery) ([]User, error) {
	and := bson.A{userScope(ctx)}
	if q.OrgID != "" {
		and = append(and, bson.D{{Key: "orgId", Value: q.OrgID}})
	}
	if q.Role != "" {
		and = append(and, bson.D{{Key: "role", Value: string(q.Role)}})
	}
	if q.After != "" {
		and = append(and, bson.D{{Key: "_id", Value: bson.D{{Key: "$gt", Value: q.After}}}})
	}
	opts := options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(int64(clampLimit(q.Limit)))
	cur, err := s.db.Collection(colUsers).Find(ctx, bson.D{{Key: "$and", Value: and}}, opts)
	if err != nil {
		return nil, fmt.Errorf("accounts: list users: %w", err)
	}
	out := []User{}
	if err := cur.All(ctx, &out); err != nil {
		return nil, fmt.Errorf("accounts: list users: %w", err)
	}
	return out, nil
}
