package accounts

import (
	"context"
	"errors"
	"testing"

	"speaksafe/dbtest"
	"speaksafe/errkind"
)

// A store method that acts for a member of staff, called with no caller in
// its context, answers Unauthorized and changes nothing, instead of acting
// for the zero Caller.
func TestStaffActionsWithoutCallerAreUnauthorized(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	s := NewStore(db, nil, nil, &memAudit{})
	ctx := context.Background()
	for name, call := range map[string]func() error{
		"create user": func() error {
			_, _, err := s.CreateUser(ctx, NewUser{Email: "a@example.test", Name: "A", Role: RoleOfficer, OrgID: "o"})
			return err
		},
		"update user": func() error { _, err := s.UpdateUser(ctx, "u", UserPatch{}); return err },
		"reissue":     func() error { _, err := s.ReissueInvite(ctx, "u"); return err },
		"reset mfa":   func() error { return s.ResetMFA(ctx, "u") },
		"create org": func() error {
			_, err := s.CreateOrganisation(ctx, Organisation{Kind: OrgForce, Name: "F", Code: "f"})
			return err
		},
		"update org": func() error { _, err := s.UpdateOrganisation(ctx, "o", OrganisationPatch{}); return err },
	} {
		if err := call(); !errors.Is(err, errkind.Unauthorized) {
			t.Errorf("%s: got %v, want Unauthorized", name, err)
		}
	}
	for _, col := range []string{colUsers, colOrganisations} {
		if n, err := db.Collection(col).CountDocuments(ctx, map[string]any{}); err != nil || n != 0 {
			t.Errorf("%s: got %d documents (%v), want 0", col, n, err)
		}
	}
}
