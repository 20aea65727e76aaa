package accounts

import (
	"context"
	"sync"
	"testing"

	"speaksafe/dbtest"
)

func testAuth(t testing.TB, store *Store) *Auth {
	t.Helper()
	keys, err := ParseSigningKeys("k1:" + randomSeed())
	if err != nil {
		t.Fatal(err)
	}
	h, err := NewHasher(Argon2Params{Time: 1, MemoryKiB: 8 * 1024, Threads: 1, MaxConcurrent: 4}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return NewAuth(AuthDeps{Store: store, Tokens: NewTokens(keys, nil), Hasher: h})
}

func TestBootstrapConcurrentInstancesMakeOneAdmin(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = testAuth(t, NewStore(db, nil, nil, &memAudit{})).Bootstrap(ctx, "Boss@Example.test", "a long enough password")
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("instance %d: %v", i, err)
		}
	}
	n, err := db.Collection(colUsers).CountDocuments(ctx, map[string]any{})
	if err != nil || n != 1 {
		t.Fatalf("got %d users (%v), want exactly 1", n, err)
	}
	auth := testAuth(t, NewStore(db, nil, nil, &memAudit{}))
	if _, err := auth.Login(ctx, Credentials{Email: "boss@example.test", Password: "a long enough password"}); err != nil {
		t.Errorf("bootstrap admin cannot sign in: %v", err)
	}
	// Run again with another password: nothing changes.
	if err := auth.Bootstrap(ctx, "boss@example.test", "another long password"); err != nil {
		t.Fatal(err)
	}
	if _, err := auth.Login(ctx, Credentials{Email: "boss@example.test", Password: "another long password"}); err == nil {
		t.Errorf("a second bootstrap changed the admin's password")
	}
}

func TestBootstrapRefusesWeakPassword(t *testing.T) {
	t.Parallel()
	auth := testAuth(t, NewStore(dbtest.New(t), nil, nil, &memAudit{}))
	if err := auth.Bootstrap(context.Background(), "a@b.test", "short"); err == nil {
		t.Errorf("got no error for a 5-character bootstrap password")
	}
}

// BenchmarkLoginWrongPassword measures sign-in throughput with the
// production Argon2id parameters (19 MiB, t=2, p=1, 8 at once).
func BenchmarkLoginWrongPassword(b *testing.B) {
	db := dbtest.New(b)
	store := NewStore(db, nil, nil, &memAudit{})
	keys, _ := ParseSigningKeys("k1:" + randomSeed())
	h, err := NewHasher(Argon2Params{Time: 2, MemoryKiB: 19 * 1024, Threads: 1, MaxConcurrent: 8}, nil)
	if err != nil {
		b.Fatal(err)
	}
	auth := NewAuth(AuthDeps{Store: store, Tokens: NewTokens(keys, nil), Hasher: h})
	ctx := context.Background()
	if err := auth.Bootstrap(ctx, "bench@example.test", "a long enough password"); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := auth.Login(ctx, Credentials{Email: "bench@example.test", Password: "wrong password!"}); err == nil {
				b.Error("wrong password accepted")
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "logins/s")
}
