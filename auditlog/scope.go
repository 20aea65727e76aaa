package auditlog

import (
	"context"
	"errors"
	"slices"

	"speaksafe/audit"
	"speaksafe/errkind"
)

// scope decides which entries a supervisor sees, remembering the cases
// and users it has looked up. A zero scope (an admin's) sees everything.
type scope struct {
	r     *Reader
	force string
	cases map[string]bool
	users map[string]bool
}

// sees reports whether the entry is the force's: about one of its cases
// or alerts, about one of its members, or made by one of its members.
func (s *scope) sees(ctx context.Context, rec audit.Record) (bool, error) {
	if s.force == "" {
		return true, nil
	}
	if slices.Contains(caseObjects, rec.ObjectType) && rec.ObjectID != "" {
		return s.ownCase(ctx, rec.ObjectID)
	}
	if rec.ObjectType == "user" && rec.ObjectID != "" {
		if ok, err := s.ownUser(ctx, rec.ObjectID); ok || err != nil {
			return ok, err
		}
	}
	return s.ownUser(ctx, rec.Actor)
}

func (s *scope) ownCase(ctx context.Context, id string) (bool, error) {
	if ok, seen := s.cases[id]; seen {
		return ok, nil
	}
	force, err := s.r.cases.CaseForce(ctx, id)
	if err != nil && !errors.Is(err, errkind.NotFound) {
		return false, err
	}
	s.cases[id] = err == nil && force == s.force
	return s.cases[id], nil
}

// ownUser reports whether id is a member of the force itself (not of a
// school in its area). Actors that are not users ("system", "reporter",
// "operator:cli") are nobody's.
func (s *scope) ownUser(ctx context.Context, id string) (bool, error) {
	if ok, seen := s.users[id]; seen {
		return ok, nil
	}
	u, err := s.r.users.LookupUser(ctx, id)
	if err != nil && !errors.Is(err, errkind.NotFound) {
		return false, err
	}
	s.users[id] = err == nil && u.OrgID == s.force
	return s.users[id], nil
}
