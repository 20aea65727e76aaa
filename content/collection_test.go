package content

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"speaksafe/accounts"
	"speaksafe/dbtest"
	"speaksafe/errkind"
)

func TestJoinCodeShape(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for range 200 {
		c := newJoinCode()
		if len(c) != joinLen || seen[c] {
			t.Fatalf("code %q: wrong length or repeated", c)
		}
		seen[c] = true
		for _, bad := range "015820OIZSLBGQ" {
			if strings.ContainsRune(c, bad) {
				t.Fatalf("code %q contains ambiguous %q", c, bad)
			}
		}
		if n, ok := NormaliseJoinCode(strings.ToLower(FormatJoinCode(c))); !ok || n != c {
			t.Fatalf("NormaliseJoinCode(%q) = %q, %v", FormatJoinCode(c), n, ok)
		}
	}
}

func TestSchoolCodeShowsOnlyThatSchoolsCollection(t *testing.T) {
	t.Parallel()
	s, _ := startStore(t, dbtest.New(t), newClock())
	staffA := as(accounts.RoleSchoolStaff, "a1", "schoolA")
	staffB := as(accounts.RoleSchoolStaff, "b1", "schoolB")
	colA, err := s.MyCollection(staffA)
	if err != nil {
		t.Fatal(err)
	}
	colB, _ := s.MyCollection(staffB)
	if colA.JoinCode == colB.JoinCode {
		t.Fatal("two schools share a join code")
	}
	if _, err := s.SetCollection(staffA, colA.Version, []string{"lib-en-trusted-adults", "lib-en-what-is-grooming"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetCollection(staffB, colB.Version, []string{"lib-en-staying-safe-in-games"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetCollection(staffA, colA.Version, nil); !errors.Is(err, errkind.PreconditionFailed) {
		t.Errorf("stale collection version: got %v, want precondition failed", err)
	}
	got, err := s.CollectionByCode(context.Background(), strings.ToLower(FormatJoinCode(colA.JoinCode)))
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Items) != 2 || got.Items[0].Slug != "trusted-adults" || got.Items[1].Slug != "what-is-grooming" {
		t.Errorf("school A collection = %+v, want trusted-adults then what-is-grooming", got.Items)
	}
	for _, code := range []string{"", "AAAAA-AAAAA", "not a code", colA.JoinCode + "X"} {
		if _, err := s.CollectionByCode(context.Background(), code); !errors.Is(err, errkind.NotFound) {
			t.Errorf("code %q: got %v, want not found", code, err)
		}
	}
	rotated, err := s.RotateJoinCode(staffA)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CollectionByCode(context.Background(), colA.JoinCode); !errors.Is(err, errkind.NotFound) {
		t.Errorf("old code after rotation: got %v, want not found", err)
	}
	if got, err := s.CollectionByCode(context.Background(), rotated.JoinCode); err != nil || len(got.Items) != 2 {
		t.Errorf("new code: %d items, %v", len(got.Items), err)
	}
	if _, err := s.SetCollection(staffA, rotated.Version, []string{"no-such-item"}); !isValidation(err) {
		t.Errorf("unpublished item in collection: got %v, want validation error", err)
	}
	force := accounts.WithCaller(context.Background(), accounts.Caller{UserID: "o1", Role: accounts.RoleOfficer, OrgID: "f1", OrgKind: accounts.OrgForce})
	if _, err := s.MyCollection(force); !errors.Is(err, errkind.NotFound) {
		t.Errorf("force member's collection: got %v, want not found", err)
	}
}

func TestViewCountsAreShownOnlyFromFive(t *testing.T) {
	t.Parallel()
	clk := newClock()
	s, _ := startStore(t, dbtest.New(t), clk)
	for range 7 {
		s.CountView(ViewItem, "item1")
	}
	clk.Advance(24 * time.Hour)
	for range 3 {
		s.CountView(ViewItem, "item1")
	}
	if err := s.FlushViews(context.Background()); err != nil {
		t.Fatal(err)
	}
	for range 1 { // a second flush adds to the same documents
		s.CountView(ViewItem, "item1")
	}
	if err := s.FlushViews(context.Background()); err != nil {
		t.Fatal(err)
	}
	st, err := s.viewStats(context.Background(), ViewItem, "item1", clk.Now().AddDate(0, 0, -30), clk.Now())
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Days) != 2 || st.Days[0].Count == nil || *st.Days[0].Count != 7 || st.Days[1].Count != nil {
		t.Fatalf("days = %+v, want 7 shown, then 4 hidden", st.Days)
	}
	if st.Total == nil || *st.Total != 11 {
		t.Errorf("total = %v, want 11", st.Total)
	}
}
