package reminders

import (
	"context"
	"errors"
	"testing"
	"time"

	"speaksafe/accounts"
	"speaksafe/audit"
	"speaksafe/dbtest"
)

// A supervisor's new thresholds are not saved when their audit entry
// cannot be written: the change answers the audit log's error and the
// force keeps the settings it had.
func TestSettingsUnchangedWithoutTheirAuditEntry(t *testing.T) {
	t.Parallel()
	down := errors.New("audit: append: store unreachable")
	s := New(Deps{DB: dbtest.New(t), Cases: fakeCases{}, Now: time.Now,
		Audit: audit.RecorderFunc(func(context.Context, audit.Entry) error { return down })})
	sup := accounts.WithCaller(context.Background(), accounts.Caller{UserID: "sup", Role: accounts.RoleSupervisor,
		OrgID: "force-a", OrgKind: accounts.OrgForce, ForceID: "force-a"})
	want := DefaultSettings()
	changed := want
	changed.NotOpened = 2 * time.Hour
	if _, err := s.SetSettings(sup, changed); !errors.Is(err, down) {
		t.Fatalf("got %v, want the audit log's error", err)
	}
	got, err := s.Settings(sup)
	if err != nil || got != want {
		t.Errorf("settings after the refused change: %+v (%v), want %+v", got, err, want)
	}
}
