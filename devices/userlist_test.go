package devices

import (
	"context"
	"io"
	"log/slog"
	"testing"
)

// One instance keeps a user's device list between reads; every change made
// through another instance on the same store (a registration, a move to a
// colleague, a removal, a revocation) shows in its next read.
func TestDeviceListsOfAnotherInstanceSeeEveryChange(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.officer("off1", "token-officer-one-0001")
	h.addUser("off2", "officer")
	reader := NewDevices(h.db, h.users, slog.New(slog.NewTextHandler(io.Discard, nil)), h.now, h.audit)
	ctx := context.Background()
	count := func(user string, want int, after string) {
		t.Helper()
		devs, err := reader.ForUser(ctx, user)
		if err != nil || len(devs) != want {
			t.Fatalf("after %s: %s has %d devices (%v), want %d", after, user, len(devs), err, want)
		}
	}
	count("off1", 1, "the first registration")
	count("off1", 1, "a second read")
	second, err := h.devs.Register(h.as("off1"), DeviceInput{Token: "token-officer-one-0002", Platform: PlatformIOS})
	if err != nil {
		t.Fatal(err)
	}
	count("off1", 2, "a second phone")
	if _, err := h.devs.Register(h.as("off2"), DeviceInput{Token: "token-officer-one-0002", Platform: PlatformIOS}); err != nil {
		t.Fatal(err)
	}
	count("off1", 1, "the phone moved to a colleague")
	count("off2", 1, "the phone moved to a colleague")
	if err := h.devs.Remove(ctx, second.ID); err != nil {
		t.Fatal(err)
	}
	count("off2", 0, "a removal")
	if err := h.devs.RevokeDevices(ctx, "off1"); err != nil {
		t.Fatal(err)
	}
	count("off1", 0, "a revocation")
}
