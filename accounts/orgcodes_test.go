package accounts

import (
	"context"
	"errors"
	"testing"

	"speaksafe/dbtest"
	"speaksafe/errkind"
)

// A code a child typed before its force existed is found as soon as the
// force is created (unknown codes are never remembered), and a code found
// once is answered from memory, without the store.
func TestACodeIsFoundOnceItExistsAndThenAnsweredFromMemory(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := NewStore(dbtest.New(t), nil, nil, &memAudit{})
	admin := WithCaller(ctx, Caller{UserID: "admin-1", Role: RoleAdmin})
	if _, err := store.OrgRefByCode(ctx, "late-force"); !errors.Is(err, errkind.NotFound) {
		t.Fatalf("unknown code: got %v, want not found", err)
	}
	force, err := store.CreateOrganisation(admin, Organisation{Kind: OrgForce, Name: "Late Police", Code: "late-force",
		Area: "Lateshire", NonEmergency: "101"})
	if err != nil {
		t.Fatal(err)
	}
	school, err := store.CreateOrganisation(admin, Organisation{Kind: OrgSchool, Name: "Late School", Code: "late-school",
		ForceID: force.ID})
	if err != nil {
		t.Fatal(err)
	}
	for code, want := range map[string]OrgRef{" LATE-Force ": {force.ID, OrgForce}, "late-school": {school.ID, OrgSchool}} {
		if got, err := store.OrgRefByCode(ctx, code); err != nil || got != want {
			t.Errorf("%q: got %+v, %v; want %+v", code, got, err, want)
		}
	}
	// Remembered: answered even when the store cannot be asked.
	gone, cancel := context.WithCancel(ctx)
	cancel()
	if got, err := store.OrgRefByCode(gone, "late-force"); err != nil || got.ID != force.ID {
		t.Errorf("known code without the store: got %+v, %v; want %s", got, err, force.ID)
	}
	if _, err := store.OrgRefByCode(gone, "never-made"); err == nil {
		t.Error("an unknown code was answered without asking the store")
	}
}
