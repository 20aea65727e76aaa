package content

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"

	"speaksafe/accounts"
	"speaksafe/audit"
	"speaksafe/dbtest"
	"speaksafe/errkind"
	"speaksafe/internal/testsupport"
)

func newClock() *testsupport.Clock {
	return testsupport.NewClock(time.Date(2025, 3, 10, 9, 0, 0, 0, time.UTC))
}

type memAudit struct {
	mu      sync.Mutex
	entries []audit.Entry
	fail    error // when set, Record writes nothing and answers it
}

func (m *memAudit) Record(_ context.Context, e audit.Entry) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail != nil {
		return m.fail
	}
	m.entries = append(m.entries, e)
	return nil
}

func (m *memAudit) failWith(err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.fail = err
}

func (m *memAudit) actions() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []string
	for _, e := range m.entries {
		out = append(out, e.Action)
	}
	return out
}

func startStore(t testing.TB, db *mongo.Database, clk *testsupport.Clock) (*Store, *memAudit) {
	t.Helper()
	a := &memAudit{}
	s := New(db, slog.New(slog.NewTextHandler(io.Discard, nil)), clk.Now, a, Options{})
	if err := s.Start(context.Background()); err != nil {
		t.Fatalf("Start: %v", err)
	}
	return s, a
}

func as(role accounts.Role, user, org string) context.Context {
	return accounts.WithCaller(context.Background(), accounts.Caller{UserID: user, Role: role, OrgID: org, OrgKind: accounts.OrgSchool})
}

func sampleDraft(slug string) Draft {
	return Draft{Slug: slug, Locale: "en", Title: "Staying safe at the park " + slug, Summary: "A short summary.",
		Body: "Hello **there**.\n\n<script>alert('x')</script>\n\n[Call](tel:08001111)", AgeBands: []string{"8-10"},
		Topics: []string{"trusted-adults"}, Helplines: []string{"childline"}}
}

func TestFreshStartListsSeedAndFiltersNarrow(t *testing.T) {
	t.Parallel()
	s, _ := startStore(t, dbtest.New(t), newClock())
	ctx := context.Background()
	all, err := s.List(ctx, ListQuery{Locale: "en", Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	if len(all.Items) < 16 {
		t.Fatalf("got %d English items, want at least 16", len(all.Items))
	}
	queries := []ListQuery{
		{Locale: "en", AgeBand: "8-10"}, {Locale: "en", Topic: "criminal-exploitation"},
		{Locale: "cy"}, {Locale: "en", AgeBand: "14-17", Topic: "images-and-sextortion"},
	}
	for _, q := range queries {
		q.Limit = 50
		p, err := s.List(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Items) == 0 || len(p.Items) >= len(all.Items) {
			t.Errorf("%+v: got %d items, want between 1 and %d", q, len(p.Items), len(all.Items)-1)
		}
		for _, it := range p.Items {
			if (q.AgeBand != "" && !contains(it.AgeBands, q.AgeBand)) || (q.Topic != "" && !contains(it.Topics, q.Topic)) || it.Locale != q.Locale {
				t.Errorf("%+v: item %s (%v %v %s) does not match", q, it.Slug, it.AgeBands, it.Topics, it.Locale)
			}
		}
	}
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

func TestListPagesWithoutGapsOrRepeats(t *testing.T) {
	t.Parallel()
	s, _ := startStore(t, dbtest.New(t), newClock())
	ctx := context.Background()
	full, _ := s.List(ctx, ListQuery{Limit: 50})
	seen := map[string]bool{}
	q := ListQuery{Limit: 3}
	for pages := 0; pages < 50; pages++ {
		p, err := s.List(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range p.Items {
			if seen[it.ItemID] {
				t.Fatalf("item %s seen twice", it.ItemID)
			}
			seen[it.ItemID] = true
		}
		if p.NextCursor == "" {
			break
		}
		q.Cursor = p.NextCursor
	}
	if len(seen) != len(full.Items) {
		t.Errorf("paged through %d items, want %d", len(seen), len(full.Items))
	}
}

func TestSearchIsLiteralAndCaseInsensitive(t *testing.T) {
	t.Parallel()
	s, _ := startStore(t, dbtest.New(t), newClock())
	ctx := context.Background()
	cases := []struct {
		q       string
		atLeast int
		atMost  int
	}{
		{"SEXTORTION", 1, 5}, {".*", 0, 0}, {"[a-z]+", 0, 0}, {"county lines", 1, 3},
	}
	for _, tc := range cases {
		p, err := s.List(ctx, ListQuery{Q: tc.q, Limit: 50})
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Items) < tc.atLeast || len(p.Items) > tc.atMost {
			t.Errorf("q=%q: got %d items, want %d..%d", tc.q, len(p.Items), tc.atLeast, tc.atMost)
		}
	}
	long := make([]byte, 101)
	for i := range long {
		long[i] = 'a'
	}
	if _, err := s.List(ctx, ListQuery{Q: string(long)}); !isValidation(err) {
		t.Errorf("101-character q: got %v, want a validation error", err)
	}
}

func isValidation(err error) bool {
	var v *errkind.ValidationError
	return errors.As(err, &v)
}

func TestSeedIsIdempotentAndKeepsStaffEdits(t *testing.T) {
	t.Parallel()
	db, clk := dbtest.New(t), newClock()
	s, _ := startStore(t, db, clk)
	admin := accounts.WithCaller(context.Background(), accounts.Caller{UserID: "admin1", Role: accounts.RoleAdmin})
	it, err := s.Get(admin, "lib-en-trusted-adults")
	if err != nil {
		t.Fatal(err)
	}
	d := it.Draft
	d.Title = "Edited by staff"
	if _, err := s.Update(admin, it.ID, it.Version, d); err != nil {
		t.Fatal(err)
	}
	before := s.Seq(context.Background())
	s2, _ := startStore(t, db, clk) // a restart
	got, err := s2.Get(admin, it.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Title != "Edited by staff" {
		t.Errorf("after restart title = %q, want the staff edit kept", got.Title)
	}
	if after := s2.Seq(context.Background()); after != before {
		t.Errorf("feed position after restart = %d, want %d (no re-seeding)", after, before)
	}
}

// publishFlow creates, submits and publishes an item as two people of one
// school, and promotes it to the national list.
func publishFlow(t *testing.T, s *Store, slug string) Item {
	t.Helper()
	staff := as(accounts.RoleSchoolStaff, "staff1", "schoolA")
	lead := as(accounts.RoleSafeguardingLead, "lead1", "schoolA")
	it, err := s.Create(staff, sampleDraft(slug))
	if err != nil {
		t.Fatal(err)
	}
	if it, err = s.Submit(staff, it.ID, it.Version); err != nil {
		t.Fatal(err)
	}
	if it, err = s.Publish(lead, it.ID, it.Version); err != nil {
		t.Fatal(err)
	}
	// A school's item is national only once promoted (scope.go).
	admin := accounts.WithCaller(context.Background(), accounts.Caller{UserID: "admin1", Role: accounts.RoleAdmin})
	if it, err = s.Promote(admin, it.ID); err != nil {
		t.Fatal(err)
	}
	return it
}

func TestPublishShowsInFeedAndWithdrawalIsATombstone(t *testing.T) {
	t.Parallel()
	s, aud := startStore(t, dbtest.New(t), newClock())
	ctx := context.Background()
	start, err := s.Changes(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	for start.More {
		if start, err = s.Changes(ctx, start.Next); err != nil {
			t.Fatal(err)
		}
	}
	it := publishFlow(t, s, "park-safety")
	rev, err := s.Published(ctx, "park-safety", "en")
	if err != nil {
		t.Fatalf("Published: %v", err)
	}
	if rev.Revision != 1 || contains([]string{rev.HTML}, "<script") {
		t.Errorf("revision %d html %q", rev.Revision, rev.HTML)
	}
	feed, _ := s.Changes(ctx, start.Next)
	if len(feed.Changes) != 1 || feed.Changes[0].Kind != ChangePublished || feed.Changes[0].Slug != "park-safety" {
		t.Fatalf("feed after publish = %+v, want one published change", feed.Changes)
	}
	lead := as(accounts.RoleSafeguardingLead, "lead1", "schoolA")
	if _, err := s.Withdraw(lead, it.ID, 0); err != nil {
		t.Fatal(err)
	}
	feed2, _ := s.Changes(ctx, feed.Next)
	if len(feed2.Changes) != 1 || feed2.Changes[0].Kind != ChangeWithdrawn || feed2.Changes[0].ItemID != it.ID {
		t.Fatalf("feed after withdraw = %+v, want one tombstone", feed2.Changes)
	}
	if _, err := s.Published(ctx, "park-safety", "en"); !errors.Is(err, errkind.NotFound) {
		t.Errorf("withdrawn item: got %v, want not found", err)
	}
	want := []string{"content.create", "content.submit", "content.publish", "content.promote", "content.withdraw"}
	if got := aud.actions(); fmt.Sprint(got[len(got)-5:]) != fmt.Sprint(want) {
		t.Errorf("audit actions = %v, want to end with %v", got, want)
	}
}

func TestFourEyesAndScope(t *testing.T) {
	t.Parallel()
	s, _ := startStore(t, dbtest.New(t), newClock())
	leadAuthor := as(accounts.RoleSafeguardingLead, "leadA", "schoolA")
	it, err := s.Create(leadAuthor, sampleDraft("own-work"))
	if err != nil {
		t.Fatal(err)
	}
	it, _ = s.Submit(leadAuthor, it.ID, 0)
	if _, err := s.Publish(leadAuthor, it.ID, 0); !errors.Is(err, errkind.Forbidden) {
		t.Errorf("author publishing own item: got %v, want forbidden", err)
	}
	otherLead := as(accounts.RoleSafeguardingLead, "leadB", "schoolB")
	for name, f := range map[string]func() error{
		"get":     func() error { _, err := s.Get(otherLead, it.ID); return err },
		"publish": func() error { _, err := s.Publish(otherLead, it.ID, 0); return err },
		"edit":    func() error { _, err := s.Update(otherLead, it.ID, it.Version, sampleDraft("own-work")); return err },
	} {
		if err := f(); !errors.Is(err, errkind.NotFound) {
			t.Errorf("other school's lead %s: got %v, want not found", name, err)
		}
	}
	staff := as(accounts.RoleSchoolStaff, "staffA", "schoolA")
	if _, err := s.Publish(staff, it.ID, 0); !errors.Is(err, errkind.Forbidden) {
		t.Errorf("school staff publishing: got %v, want forbidden", err)
	}
	sent, err := s.SendBack(as(accounts.RoleSafeguardingLead, "leadA2", "schoolA"), it.ID, 0, "Please add the Childline number.")
	if err != nil || sent.State != StateDraft || sent.ReviewComment == "" {
		t.Errorf("send back: state %s comment %q err %v", sent.State, sent.ReviewComment, err)
	}
}

func TestConcurrentEditsOnlyOneWins(t *testing.T) {
	t.Parallel()
	s, _ := startStore(t, dbtest.New(t), newClock())
	staff := as(accounts.RoleSchoolStaff, "staff1", "schoolA")
	it, err := s.Create(staff, sampleDraft("racy"))
	if err != nil {
		t.Fatal(err)
	}
	var wins, stale atomic.Int32
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d := sampleDraft("racy")
			d.Title = fmt.Sprintf("Edit %d", i)
			_, err := s.Update(staff, it.ID, it.Version, d)
			switch {
			case err == nil:
				wins.Add(1)
			case errors.Is(err, errkind.PreconditionFailed):
				stale.Add(1)
			default:
				t.Errorf("update: %v", err)
			}
		}()
	}
	wg.Wait()
	if wins.Load() != 1 || stale.Load() != 3 {
		t.Errorf("got %d wins and %d precondition failures, want 1 and 3", wins.Load(), stale.Load())
	}
	if _, err := s.Update(staff, it.ID, it.Version, sampleDraft("racy")); !errors.Is(err, errkind.PreconditionFailed) {
		t.Errorf("edit of stale version: got %v, want precondition failed", err)
	}
}

func TestInstancesConverge(t *testing.T) {
	t.Parallel()
	db, clk := dbtest.New(t), newClock()
	a, _ := startStore(t, db, clk)
	b, _ := startStore(t, db, clk)
	publishFlow(t, a, "shared-news")
	clk.Advance(3 * time.Second)
	if _, err := b.Published(context.Background(), "shared-news", "en"); err != nil {
		t.Errorf("other instance after refresh interval: %v", err)
	}
	pa, _ := a.Changes(context.Background(), "")
	pb, _ := b.Changes(context.Background(), "")
	if pa.Next != pb.Next {
		t.Errorf("feed cursors differ between instances: %s vs %s", pa.Next, pb.Next)
	}
}
