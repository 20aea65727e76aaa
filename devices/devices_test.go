package devices

import (
	"context"
	"errors"
	"testing"
	"time"

	"speaksafe/accounts"
	"speaksafe/errkind"
)

func (h *harness) foreignOfficer(id string) {
	h.users.Update(id, func(u *accounts.User) {
		*u = accounts.User{ID: id, Role: accounts.RoleOfficer, OrgID: "force-2", OrgKind: accounts.OrgForce, ForceID: "force-2"}
	})
}

func TestDeviceTokenMovesOnlyWithinAForce(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	log := h.audit
	const token = "token-of-a-shared-phone-0001"
	h.officer("owner", token)
	id := TokenID(token)
	h.foreignOfficer("stranger")

	_, err := h.devs.Register(h.as("stranger"), DeviceInput{Token: token, Platform: PlatformAndroid})
	if !errors.Is(err, ErrDeviceTaken) || !errors.Is(err, errkind.Conflict) {
		t.Fatalf("another force registering a live token: got %v, want ErrDeviceTaken (conflict)", err)
	}
	if d, _ := h.devs.Get(context.Background(), id); d.UserID != "owner" {
		t.Errorf("after a refused registration the device belongs to %q, want owner", d.UserID)
	}
	if _, ok := log.find("device.register_refused", id); !ok {
		t.Errorf("the refused registration was not audited")
	}

	h.addUser("colleague", accounts.RoleOfficer)
	h.clock.Advance(time.Hour)
	if _, err := h.devs.Register(h.as("colleague"), DeviceInput{Token: token, Platform: PlatformIOS}); err != nil {
		t.Fatalf("a colleague registering the phone: %v", err)
	}
	if d, _ := h.devs.Get(context.Background(), id); d.UserID != "colleague" || !d.CreatedAt.Equal(h.now().UTC()) {
		t.Errorf("after the move: got owner %q created %v, want colleague created now", d.UserID, d.CreatedAt)
	}
	e, ok := log.find("device.moved", id)
	if !ok || e.Actor != "colleague" || e.Detail["fromUserId"] != "owner" || e.Detail["toUserId"] != "colleague" {
		t.Errorf("the move was audited as %+v (found %v), want colleague moving it from owner", e, ok)
	}
	mine, _ := h.devs.Mine(h.as("owner"))
	moved, _ := h.devs.MovedFromMe(h.as("owner"))
	if len(mine) != 0 || len(moved) != 1 || moved[0].DeviceID != id || !moved[0].MovedAt.Equal(h.now().UTC()) {
		t.Errorf("owner's list after the move: %d devices, moved %+v; want none and one moved note", len(mine), moved)
	}
	if err := h.devs.Delete(h.as("owner"), id); err != nil {
		t.Errorf("owner dismissing the moved note: %v", err)
	}
	if moved, _ := h.devs.MovedFromMe(h.as("owner")); len(moved) != 0 {
		t.Errorf("after dismissing: %d moved notes, want 0", len(moved))
	}
	if d, _ := h.devs.Get(context.Background(), id); d.UserID != "colleague" {
		t.Errorf("dismissing the note removed the colleague's device")
	}
}

func TestDeviceOfAnAccountThatCannotBePagedIsTakenOver(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	const token = "token-of-a-reissued-phone-01"
	h.officer("leaver", token)
	h.users.Update("leaver", func(u *accounts.User) { u.Disabled = true })
	h.foreignOfficer("newcomer")
	if _, err := h.devs.Register(h.as("newcomer"), DeviceInput{Token: token, Platform: PlatformAndroid}); err != nil {
		t.Fatalf("registering a disabled account's phone in another force: %v", err)
	}
	if d, _ := h.devs.Get(context.Background(), TokenID(token)); d.UserID != "newcomer" || d.ForceID != "force-2" {
		t.Errorf("got device of %q in %q, want newcomer in force-2", d.UserID, d.ForceID)
	}
}

func TestDeviceStateOfAMember(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.addUser("bare", accounts.RoleOfficer)
	h.officer("ready", "token-of-ready-officer-01")
	h.officer("gone", "token-of-signed-out-one-1")
	h.users.Update("gone", func(u *accounts.User) { u.TokenVersion++ })
	state := func(id string) DeviceState {
		u, _ := h.users.LookupUser(context.Background(), id)
		st, err := h.devs.StateOf(context.Background(), u, h.now())
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	for id, want := range map[string]string{"bare": DeviceNone, "ready": DeviceLive, "gone": DeviceSignedOut} {
		if got := state(id); got.State != want || got.Gap() != (want != DeviceLive) {
			t.Errorf("%s: got %+v (gap %v), want %s", id, got, got.Gap(), want)
		}
	}
	h.clock.Advance(DeviceStaleAfter + time.Hour)
	if got := state("ready"); got.State != DeviceStale || got.Gap() {
		t.Errorf("a month unseen: got %+v (gap %v), want stale, still paged", got, got.Gap())
	}
}

// A phone is registered or removed only when its audit entry is written:
// with the log unwritable, a new phone is refused and an existing one is
// kept (docs/ARCHITECTURE.md, "Auditing").
func TestDeviceChangesNeedTheirAuditEntry(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	const kept = "token-of-a-kept-phone-00001"
	h.officer("owner", kept)
	h.audit.failWith(errors.New("audit log unwritable"))

	if _, err := h.devs.Register(h.as("owner"), DeviceInput{Token: "token-of-an-unrecorded-phone", Platform: PlatformAndroid}); err == nil {
		t.Error("a phone was registered without its audit entry")
	}
	if _, err := h.devs.Get(context.Background(), TokenID("token-of-an-unrecorded-phone")); !errors.Is(err, errkind.NotFound) {
		t.Errorf("the refused phone is stored: %v", err)
	}
	if err := h.devs.Delete(h.as("owner"), TokenID(kept)); err == nil {
		t.Error("a phone was removed without its audit entry")
	}
	if _, err := h.devs.Get(context.Background(), TokenID(kept)); err != nil {
		t.Errorf("the phone whose removal was refused is gone: %v", err)
	}
}
