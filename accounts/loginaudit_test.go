package accounts

import (
	"context"
	"sync"
	"testing"
	"time"

	"speaksafe/audit"
	"speaksafe/dbtest"
)

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

func (m *memAudit) of(action string) []audit.Entry {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []audit.Entry
	for _, e := range m.entries {
		if e.Action == action {
			out = append(out, e)
		}
	}
	return out
}

// openLimiter lets every attempt through: these tests are about what the
// audit log records, not about refusals.
type openLimiter struct{}

func (openLimiter) Allow(context.Context, string, string, int, time.Duration) (bool, time.Duration, error) {
	return true, 0, nil
}
func (openLimiter) ClientKey(s string) string { return "k:" + s }

// A guessing flood at one account records the first few failures one by
// one and the rest as one summary when the window has passed, so the audit
// chain grows by a bounded amount however many guesses arrive.
func TestLoginFailuresAuditedAreCappedPerAccountAndWindow(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	rec := &memAudit{}
	store := NewStore(dbtest.New(t), nil, clock, rec)
	auth := testAuth(t, store)
	auth.limiter, auth.now = openLimiter{}, clock
	auth.sleep = func(context.Context, time.Duration) error { return nil }
	if err := auth.Bootstrap(ctx, "v@example.test", "a long enough password"); err != nil {
		t.Fatal(err)
	}
	for range 30 {
		if _, err := auth.Login(ctx, Credentials{Email: "v@example.test", Password: "wrong guess", Client: "c"}); err == nil {
			t.Fatal("a wrong password signed in")
		}
	}
	if got := len(rec.of("auth.login_failed")); got != loginFailuresAudited {
		t.Errorf("got %d auth.login_failed entries for 30 failures, want %d", got, loginFailuresAudited)
	}
	if got := rec.of("auth.login_failed_summary"); len(got) != 0 {
		t.Errorf("summary written before the window passed: %+v", got)
	}
	mu.Lock()
	now = now.Add(loginWindow + time.Minute)
	mu.Unlock()
	for range 2 { // a second sweep writes nothing new
		if err := store.Sweep(ctx); err != nil {
			t.Fatal(err)
		}
	}
	sum := rec.of("auth.login_failed_summary")
	if len(sum) != 1 || sum[0].Detail["failures"] != "30" || sum[0].ObjectID == "" {
		t.Errorf("summaries after the window: got %+v, want one of 30 failures", sum)
	}
}

// The next successful sign-in writes the summary at once.
func TestLoginFailureSummaryIsWrittenAtTheNextSuccess(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	rec := &memAudit{}
	store := NewStore(dbtest.New(t), nil, func() time.Time { return now }, rec)
	auth := testAuth(t, store)
	auth.limiter, auth.now = openLimiter{}, func() time.Time { return now }
	auth.sleep = func(context.Context, time.Duration) error { return nil }
	if err := auth.Bootstrap(ctx, "w@example.test", "a long enough password"); err != nil {
		t.Fatal(err)
	}
	for range 12 {
		_, _ = auth.Login(ctx, Credentials{Email: "w@example.test", Password: "wrong guess", Client: "c"})
	}
	if _, err := auth.Login(ctx, Credentials{Email: "w@example.test", Password: "a long enough password", Client: "c"}); err != nil {
		t.Fatalf("the owner's sign-in: %v", err)
	}
	sum := rec.of("auth.login_failed_summary")
	if len(sum) != 1 || sum[0].Detail["failures"] != "12" {
		t.Errorf("summaries at the next success: got %+v, want one of 12 failures", sum)
	}
	if got := len(rec.of("auth.login_failed")); got != loginFailuresAudited {
		t.Errorf("got %d auth.login_failed entries, want %d", got, loginFailuresAudited)
	}
}
