// Package staff answers, for on-call, devices and alerts alike, which
// organisation a member of staff is paged for, whether a user may still be
// paged for it, and records the audit entries of their changes. Only
// members of a force, or of an agency (which owns its on-call as a force
// does), are ever on call; school staff never are.
package staff

import (
	"context"
	"errors"
	"fmt"

	"speaksafe/accounts"
	"speaksafe/errkind"
)

// Users is what paging needs from accounts: whether a member of staff
// exists, belongs to a force and is still allowed to be paged. The
// accounts.Store satisfies it (LookupUser ignores the caller, for work that
// runs without one).
type Users interface {
	LookupUser(ctx context.Context, id string) (accounts.User, error)
}

// Caller returns the caller, requiring a member of a force or an agency.
// Within on-call, devices and alerts the caller's ForceID names the owning
// organisation: an agency's own id for its members.
func Caller(ctx context.Context) (accounts.Caller, error) {
	c, ok := accounts.CallerFrom(ctx)
	if !ok {
		return accounts.Caller{}, fmt.Errorf("staff: no caller: %w", errkind.Unauthorized)
	}
	if c.OrgKind == accounts.OrgAgency {
		c.ForceID = c.OrgID
	}
	if c.ForceID == "" {
		return accounts.Caller{}, fmt.Errorf("staff: caller has no force: %w", errkind.NotFound)
	}
	return c, nil
}

// Active reports whether user id belongs to force and may be paged.
// Unknown users are simply not active.
func Active(ctx context.Context, users Users, id, forceID string) (accounts.User, bool, error) {
	u, err := users.LookupUser(ctx, id)
	if errors.Is(err, errkind.NotFound) {
		return accounts.User{}, false, nil
	}
	if err != nil {
		return accounts.User{}, false, err
	}
	return u, !u.Disabled && OrgOf(u) == forceID, nil
}

// OrgOf is the organisation a user may be paged for: only members of the
// force itself (school staff in its area are never on call), or of an
// agency, which owns its on-call like a force.
func OrgOf(u accounts.User) string {
	if u.OrgKind == accounts.OrgForce || u.OrgKind == accounts.OrgAgency {
		return u.OrgID
	}
	return ""
}
