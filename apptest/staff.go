package apptest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"regexp"
	"strings"
	"testing"

	"speaksafe/accounts"
	"speaksafe/audit"
)

// StaffUser is a member of staff created for a test, with a valid access
// token (no password: sign-in tests accept an invite over HTTP instead).
type StaffUser struct {
	ID    string
	Email string
	Role  accounts.Role
	OrgID string
	Token string
}

// accountsStore returns a store and token issuer over the app's database
// and signing keys, acting as the app does.
func (a *App) accountsStore(t testing.TB) (*accounts.Store, *accounts.Tokens) {
	t.Helper()
	keys, err := accounts.ParseSigningKeys(a.Cfg.JWTSigningKeys)
	if err != nil {
		t.Fatalf("apptest: signing keys: %v", err)
	}
	return accounts.NewStore(a.DB, nil, a.Clock.Now, setupAudit()), accounts.NewTokens(keys, a.Clock.Now)
}

// setupAudit records nothing: the set-up a test makes behind the app's
// back is not what the app's audit log is about.
func setupAudit() audit.Recorder {
	return audit.RecorderFunc(func(context.Context, audit.Entry) error { return nil })
}

// asAdmin is a context whose caller is an admin, for test set-up.
func asAdmin() context.Context {
	return accounts.WithCaller(context.Background(), accounts.Caller{UserID: "apptest-admin", Role: accounts.RoleAdmin})
}

// CreateForce creates a police force with short code code (made unique by
// a random suffix when it is empty).
func (a *App) CreateForce(t testing.TB, code string) accounts.Organisation {
	t.Helper()
	if code == "" {
		code = "force-" + suffix()
	}
	store, _ := a.accountsStore(t)
	o, err := store.CreateOrganisation(asAdmin(), accounts.Organisation{Kind: accounts.OrgForce, Name: "Force " + code, Code: code})
	if err != nil {
		t.Fatalf("apptest: create force %q: %v", code, err)
	}
	return o
}

var nonCode = regexp.MustCompile(`[^a-z0-9]+`)

// CreateSchool creates a school named name in the area of force forceID;
// its code is derived from the name plus a random suffix.
func (a *App) CreateSchool(t testing.TB, forceID, name string) accounts.Organisation {
	t.Helper()
	code := strings.Trim(nonCode.ReplaceAllString(strings.ToLower(name), "-"), "-")
	if len(code) > 20 {
		code = strings.Trim(code[:20], "-")
	}
	code = strings.TrimPrefix(code+"-"+suffix(), "-")
	store, _ := a.accountsStore(t)
	o, err := store.CreateOrganisation(asAdmin(), accounts.Organisation{
		Kind: accounts.OrgSchool, Name: name, Code: code, ForceID: forceID,
	})
	if err != nil {
		t.Fatalf("apptest: create school %q: %v", name, err)
	}
	return o
}

// CreateOversight creates a commissioner's office named name covering the
// forces forceIDs.
func (a *App) CreateOversight(t testing.TB, name string, forceIDs ...string) accounts.Organisation {
	t.Helper()
	store, _ := a.accountsStore(t)
	o, err := store.CreateOrganisation(asAdmin(), accounts.Organisation{
		Kind: accounts.OrgOversight, Name: name, Code: "pcc-" + suffix(), ForceIDs: forceIDs,
	})
	if err != nil {
		t.Fatalf("apptest: create oversight %q: %v", name, err)
	}
	return o
}

// CreateAgency creates a partner agency of type typ named name, serving
// the areas of forceIDs.
func (a *App) CreateAgency(t testing.TB, name string, typ accounts.AgencyType, forceIDs ...string) accounts.Organisation {
	t.Helper()
	code := "agency-" + suffix()
	store, _ := a.accountsStore(t)
	o, err := store.CreateOrganisation(asAdmin(), accounts.Organisation{
		Kind: accounts.OrgAgency, Name: name, Code: code, AgencyType: typ, ForceIDs: forceIDs,
	})
	if err != nil {
		t.Fatalf("apptest: create agency %q: %v", name, err)
	}
	return o
}

// Staff creates a user with role in organisation orgID (empty only for an
// admin) and answers its id and a valid access token.
func (a *App) Staff(t testing.TB, role accounts.Role, orgID string) StaffUser {
	t.Helper()
	store, tokens := a.accountsStore(t)
	email := string(role) + "-" + suffix() + "@example.test"
	u, _, err := store.CreateUser(asAdmin(), accounts.NewUser{
		Email: strings.ReplaceAll(email, "_", "-"), Name: "Test " + string(role), Role: role, OrgID: orgID,
	})
	if err != nil {
		t.Fatalf("apptest: create %s in %q: %v", role, orgID, err)
	}
	tok, err := tokens.IssueAccess(u)
	if err != nil {
		t.Fatalf("apptest: token: %v", err)
	}
	return StaffUser{ID: u.ID, Email: u.Email, Role: role, OrgID: orgID, Token: tok}
}

// TokenFor issues a fresh access token for user id as it is now (after a
// role change, say).
func (a *App) TokenFor(t testing.TB, id string) string {
	t.Helper()
	store, tokens := a.accountsStore(t)
	u, err := store.LookupUser(context.Background(), id)
	if err != nil {
		t.Fatalf("apptest: user %s: %v", id, err)
	}
	tok, err := tokens.IssueAccess(u)
	if err != nil {
		t.Fatalf("apptest: token: %v", err)
	}
	return tok
}

func suffix() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
