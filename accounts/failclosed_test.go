package accounts

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"speaksafe/database"
	"speaksafe/dbtest"
	"speaksafe/errkind"
)

// An action whose audit entry cannot be written does not happen: no user
// or organisation is created (their email and code stay free), no change
// is saved, no session is opened, and the caller gets the audit log's
// error (an unreachable store stays one, so the error mapper answers 503).
func TestNoActionWithoutItsAuditEntry(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rec := &memAudit{}
	store := NewStore(dbtest.New(t), nil, nil, rec)
	auth := testAuth(t, store)
	if err := auth.Bootstrap(ctx, "boss@example.test", "a long enough password"); err != nil {
		t.Fatal(err)
	}
	boss, err := store.UserByEmail(ctx, "boss@example.test")
	if err != nil {
		t.Fatal(err)
	}
	admin := WithCaller(ctx, Caller{UserID: boss.ID, Role: RoleAdmin})
	down := fmt.Errorf("audit: append: %w", context.DeadlineExceeded)
	rec.failWith(down)

	refused := func(what string, err error) {
		t.Helper()
		if !errors.Is(err, down) || !database.IsUnavailable(err) {
			t.Errorf("%s: got %v, want the audit log's unavailable error", what, err)
		}
	}
	_, _, err = store.CreateUser(admin, NewUser{Email: "new@example.test", Name: "New", Role: RoleAdmin})
	refused("create user", err)
	_, err = store.CreateOrganisation(admin, Organisation{Kind: OrgForce, Name: "Refused Police", Code: "refused",
		Area: "Nowhere", NonEmergency: "101"})
	refused("create organisation", err)
	name := "Renamed"
	_, err = store.UpdateUser(admin, boss.ID, UserPatch{Name: &name})
	refused("update user", err)
	_, err = auth.Login(ctx, Credentials{Email: "boss@example.test", Password: "a long enough password"})
	refused("sign in", err)

	rec.failWith(nil)
	if _, err := store.UserByEmail(ctx, "new@example.test"); !errors.Is(err, errkind.NotFound) {
		t.Errorf("refused user exists: %v", err)
	}
	if u, err := store.LookupUser(ctx, boss.ID); err != nil || u.Name != boss.Name {
		t.Errorf("refused rename saved: %q, %v; want %q", u.Name, err, boss.Name)
	}
	if n := len(rec.of("auth.login")); n != 0 {
		t.Errorf("%d sign-ins recorded while the log was down", n)
	}
	if _, _, err := store.CreateUser(admin, NewUser{Email: "new@example.test", Name: "New", Role: RoleAdmin}); err != nil {
		t.Errorf("the refused user's email is still claimed: %v", err)
	}
	if _, err := store.CreateOrganisation(admin, Organisation{Kind: OrgForce, Name: "Refused Police", Code: "refused",
		Area: "Nowhere", NonEmergency: "101"}); err != nil {
		t.Errorf("the refused organisation's code is still claimed: %v", err)
	}
}

// An email address whose claim outlived a failed creation (its release
// failed too) is taken again once the sweep has seen that no user owns it;
// an address in use stays taken.
func TestSweepFreesAStrandedEmailClaim(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	db := dbtest.New(t)
	store := NewStore(db, nil, func() time.Time { return now }, &memAudit{})
	admin := WithCaller(ctx, Caller{UserID: "boss", Role: RoleAdmin})
	if _, _, err := store.CreateUser(admin, NewUser{Email: "taken@example.test", Name: "Taken", Role: RoleAdmin}); err != nil {
		t.Fatal(err)
	}
	stranded := emailClaim{Email: "stranded@example.test", UserID: "never-stored", ClaimedAt: now}
	if _, err := db.Collection(colUserEmails).InsertOne(ctx, stranded); err != nil {
		t.Fatal(err)
	}
	if _, _, err := store.CreateUser(admin, NewUser{Email: "stranded@example.test", Name: "S", Role: RoleAdmin}); !errors.Is(err, errkind.Conflict) {
		t.Fatalf("before the sweep: got %v, want conflict", err)
	}
	now = now.Add(claimGrace + time.Minute)
	if err := store.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	if _, _, err := store.CreateUser(admin, NewUser{Email: "stranded@example.test", Name: "S", Role: RoleAdmin}); err != nil {
		t.Errorf("after the sweep: %v", err)
	}
	if _, _, err := store.CreateUser(admin, NewUser{Email: "taken@example.test", Name: "T", Role: RoleAdmin}); !errors.Is(err, errkind.Conflict) {
		t.Errorf("address in use after the sweep: got %v, want conflict", err)
	}
}
