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

// Auditor records security events. audit.Log implements it.
type Auditor interface {
	Record(ctx context.Context, e audit.Entry) error
}

// UseAuditor makes the store record user and sign-in events in a.
func (s *Store) UseAuditor(a Auditor) { s.audit = a }

// record writes e to the audit log. A failure is logged, not returned: the
// change it describes has already happened and must not look as if it
// failed.
func (s *Store) record(ctx context.Context, e audit.Entry) {
	if s.audit == nil {
		return
	}
	if e.Actor == "" {
		if c, ok := CallerFrom(ctx); ok {
			e.Actor = c.UserID
		}
	}
	if err := s.audit.Record(context.WithoutCancel(ctx), e); err != nil {
		s.logger.ErrorContext(ctx, "audit record failed", "action", e.Action, "error", err)
	}
}

// UserPatch holds the changes an admin or safeguarding lead may make to a
// user; nil fields stay as they are. Email and organisation are fixed: a
// person who moves gets a new account.
type UserPatch struct {
	Name     *string
	Role     *Role
	Disabled *bool
}

// UpdateUser applies p to user id. The caller must be able to see the user
// (else NotFound) and manage it: an admin, or a safeguarding lead of the
// user's organisation who neither grants nor touches admin. Nobody changes
// their own role or disables themselves, so an organisation cannot lock
// itself out by accident. A role change or disabling bumps the token
// version, which kills the user's live access tokens at once.
func (s *Store) UpdateUser(ctx context.Context, id string, p UserPatch) (User, error) {
	c, _ := CallerFrom(ctx)
	u, err := s.GetUser(ctx, id)
	if err != nil {
		return User{}, err
	}
	if c.Role != RoleAdmin && c.Role != RoleSafeguardingLead {
		return User{}, fmt.Errorf("accounts: update user: %w", errkind.Forbidden)
	}
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
			v.Add("role", "must be admin, supervisor, officer, safeguarding_lead or school_staff")
		case u.ID == c.UserID:
			v.Add("role", "you cannot change your own role")
		case c.Role != RoleAdmin && (r == RoleAdmin || u.Role == RoleAdmin):
			v.Add("role", "only an admin may grant or change the admin role")
		case !r.fits(u.OrgKind):
			v.Add("role", "does not fit the organisation's kind")
		}
		u.Role = r
		set = append(set, bson.E{Key: "role", Value: string(r)})
		bump = true
	}
	if p.Disabled != nil && *p.Disabled != u.Disabled {
		v.Check(u.ID == c.UserID, "disabled", "you cannot disable yourself")
		v.Check(c.Role != RoleAdmin && u.Role == RoleAdmin, "disabled", "only an admin may disable an admin")
		u.Disabled = *p.Disabled
		set = append(set, bson.E{Key: "disabled", Value: u.Disabled})
		bump = true
	}
	if err := v.Err(); err != nil {
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
	if _, err := s.db.Collection(colUsers).UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, update); err != nil {
		return User{}, fmt.Errorf("accounts: update user %s: %w", id, err)
	}
	detail := map[string]string{}
	if p.Role != nil {
		detail["role"] = string(u.Role)
	}
	if p.Disabled != nil {
		detail["disabled"] = fmt.Sprint(u.Disabled)
	}
	s.record(ctx, audit.Entry{Action: "user.update", ObjectType: "user", ObjectID: id, Detail: detail})
	return u, nil
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
