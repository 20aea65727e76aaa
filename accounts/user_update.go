package accounts

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"go.mongodb.org/mongo-driver/v2/bson"

	"speaksafe/audit"
	"speaksafe/errkind"
)

// record writes e to the audit log, with the caller as actor when e names
// none. It comes before the change e describes (audit.Recorder's policy):
// an error means the change is not made, and is the request's answer.
func (s *Store) record(ctx context.Context, e audit.Entry) error {
	if e.Actor == "" {
		if c, ok := CallerFrom(ctx); ok {
			e.Actor = c.UserID
		}
	}
	if err := s.audit.Record(ctx, e); err != nil {
		return fmt.Errorf("accounts: audit %s: %w", e.Action, err)
	}
	return nil
}

// recordRefusal writes the entry of a refusal (a failed sign-in, step-up
// or second factor). The refusal stands whether or not its entry is
// written, so a failure is logged at ERROR instead of returned.
func (s *Store) recordRefusal(ctx context.Context, e audit.Entry) {
	if err := s.record(context.WithoutCancel(ctx), e); err != nil {
		s.logger.ErrorContext(ctx, "audit record failed", "action", e.Action, "error", err)
	}
}

// mayManage returns nil when caller c may create, invite, change or
// disable user u (and give it the roles in to), Forbidden otherwise
// (SECURITY 26): c's role must grant managing users, u must be of c's
// organisation (unless c's role spans every organisation), and u's role,
// present and future, must grant nothing c's role does not. It is computed
// from the roles' rights, so an admin passes because an admin holds every
// right, not because of a special case.
func mayManage(c Caller, u User, to ...Role) error {
	if !c.Role.Has(RightManageUsers) {
		return fmt.Errorf("accounts: manage users: %w", errkind.Forbidden)
	}
	if !c.Role.Has(RightAnyOrganisation) && (u.OrgID == "" || u.OrgID != c.OrgID) {
		return fmt.Errorf("accounts: user of another organisation: %w", errkind.Forbidden)
	}
	for _, r := range append(to, u.Role) {
		if !c.Role.Covers(r) {
			return fmt.Errorf("accounts: role %s grants more than %s: %w", r, c.Role, errkind.Forbidden)
		}
	}
	return nil
}

// UserPatch holds the changes a manager may make to a user; nil fields
// stay as they are. Email and organisation are fixed: a person who moves
// gets a new account.
type UserPatch struct {
	Name     *string
	Role     *Role
	Disabled *bool
}

// UpdateUser applies p to user id. A user the caller cannot see is
// NotFound; one they see but may not manage (mayManage, for the user's
// role and the new one) is Forbidden. Nobody changes their own role or
// disables themselves, so an organisation cannot lock itself out by
// accident. A role change or disabling bumps the token version, which
// kills the user's live access tokens at once; disabling also revokes
// their refresh families.
func (s *Store) UpdateUser(ctx context.Context, id string, p UserPatch) (User, error) {
	c, err := RequireCaller(ctx)
	if err != nil {
		return User{}, err
	}
	u, err := s.GetUser(ctx, id)
	if err != nil {
		return User{}, err
	}
	var to []Role
	if p.Role != nil && p.Role.Valid() {
		to = append(to, *p.Role)
	}
	if err := mayManage(c, u, to...); err != nil {
		return User{}, err
	}
	before := u
	set, bump, err := applyPatch(c, &u, p)
	if err != nil {
		return User{}, err
	}
	if len(set) == 0 {
		return u, nil
	}
	u.UpdatedAt = s.now().UTC().Truncate(time.Millisecond)
	set = append(set, bson.E{Key: "updatedAt", Value: u.UpdatedAt})
	update := bson.D{{Key: "$set", Value: set}}
	if bump {
		update = append(update, bson.E{Key: "$inc", Value: bson.D{{Key: "tokenVersion", Value: 1}}})
		u.TokenVersion++
	}
	if err := s.record(ctx, audit.Entry{Action: "user.update", ObjectType: "user", ObjectID: id, Detail: patchDetail(before, u)}); err != nil {
		return User{}, err
	}
	if _, err := s.db.Collection(colUsers).UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, update); err != nil {
		return User{}, fmt.Errorf("accounts: update user %s: %w", id, err)
	}
	if u.Disabled && !before.Disabled {
		if err := s.revokeUserFamilies(ctx, id); err != nil {
			return User{}, err
		}
	}
	return u, nil
}

// applyPatch checks p against u and applies it to u, answering the fields
// to set and whether live tokens must die.
func applyPatch(c Caller, u *User, p UserPatch) (bson.D, bool, error) {
	v := &errkind.ValidationError{}
	set := bson.D{}
	bump := false
	if p.Name != nil {
		name := strings.TrimSpace(*p.Name)
		l := utf8.RuneCountInString(name)
		v.Check(l == 0 || l > 120, "name", "must be 1 to 120 characters")
		u.Name = name
		set = append(set, bson.E{Key: "name", Value: name})
	}
	if p.Role != nil && *p.Role != u.Role {
		r := *p.Role
		switch {
		case !r.Valid():
			v.Add("role", roleChoices)
		case u.ID == c.UserID:
			v.Add("role", "you cannot change your own role")
		case !r.fits(u.OrgKind):
			v.Add("role", "does not fit the organisation's kind")
		}
		u.Role = r
		set = append(set, bson.E{Key: "role", Value: string(r)})
		bump = true
	}
	if p.Disabled != nil && *p.Disabled != u.Disabled {
		v.Check(u.ID == c.UserID, "disabled", "you cannot disable yourself")
		u.Disabled = *p.Disabled
		set = append(set, bson.E{Key: "disabled", Value: u.Disabled})
		bump = true
	}
	return set, bump, v.Err()
}

// patchDetail describes what changed, for the audit log: old and new role
// and state; a new name only as "changed" (names are personal data).
func patchDetail(before, after User) map[string]string {
	d := map[string]string{}
	if before.Role != after.Role {
		d["role"] = string(before.Role) + "->" + string(after.Role)
	}
	if before.Disabled != after.Disabled {
		d["disabled"] = fmt.Sprint(after.Disabled)
	}
	if before.Name != after.Name {
		d["name"] = "changed"
	}
	return d
}

// bumpTokenVersion kills every live access token of user id.
func (s *Store) bumpTokenVersion(ctx context.Context, id string) error {
	_, err := s.db.Collection(colUsers).UpdateOne(ctx, bson.D{{Key: "_id", Value: id}},
		bson.D{{Key: "$inc", Value: bson.D{{Key: "tokenVersion", Value: 1}}},
			{Key: "$set", Value: bson.D{{Key: "updatedAt", Value: s.now().UTC().Truncate(time.Millisecond)}}}})
	if err != nil {
		return fmt.Errorf("accounts: token version %s: %w", id, err)
	}
	return nil
}
