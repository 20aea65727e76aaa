package reports

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"speaksafe/dbtest"
	"speaksafe/errkind"
)

func TestSubmitCreatesCase(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := routine("an adult sends me gift cards")
	r.Answers.Handles = []Handle{{Platform: "Roblox", Handle: "giftguy"}}
	r.Contact = &Contact{Name: "Sam", Email: "sam@example.org", MayContact: true}
	sub := e.submit(t, r)
	if sub.Urgent || sub.Guidance.CallEmergencyNow {
		t.Errorf("routine report: got urgent=%v callEmergencyNow=%v, want false, false", sub.Urgent, sub.Guidance.CallEmergencyNow)
	}
	if _, ok := ParseReference(sub.Reference); !ok {
		t.Errorf("reference %q does not parse", sub.Reference)
	}
	if !strings.Contains(sub.Guidance.Images.URL, "childline.org.uk") {
		t.Errorf("images guidance: got %q, want a Report Remove link", sub.Guidance.Images.URL)
	}
	d, err := e.store.Case(officerA(), sub.CaseID)
	if err != nil {
		t.Fatalf("officer opens case: %v", err)
	}
	if d.WhatHappened != r.WhatHappened || d.Reference != sub.Reference || d.Status != StatusNew {
		t.Errorf("case: got text %q ref %q status %s; want %q %q new", d.WhatHappened, d.Reference, d.Status, r.WhatHappened, sub.Reference)
	}
	if d.Contact == nil || d.Contact.Email != "sam@example.org" || len(d.Answers.Handles) != 1 || d.Answers.Handles[0].Handle != "giftguy" {
		t.Errorf("decrypted contact/handles: got %+v %+v", d.Contact, d.Answers.Handles)
	}
	if n := len(e.alerter.opened); n != 0 {
		t.Errorf("routine report opened %d alerts, want 0", n)
	}
}

func TestUrgentReportOpensAlertBeforeCase(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	sub := e.submit(t, urgentReport("he is outside my house"))
	if !sub.Urgent || !sub.Guidance.CallEmergencyNow {
		t.Fatalf("in danger now: got urgent=%v callEmergencyNow=%v, want true, true", sub.Urgent, sub.Guidance.CallEmergencyNow)
	}
	if e.alerter.opened[sub.CaseID] != 1 || e.alerter.started[sub.CaseID] != 1 {
		t.Errorf("alert: opened %d started %d times, want 1 and 1", e.alerter.opened[sub.CaseID], e.alerter.started[sub.CaseID])
	}
	if len(e.alerter.badOrder) > 0 {
		t.Errorf("alert opened after the case was stored for %v", e.alerter.badOrder)
	}
}

// A failure to open the alert means no case and no 201; the retry with the
// same key then stores the case with its alert and the same receipt.
func TestAlertFailureStoresNoCaseAndRetryCompletes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	key := newKey()
	r := urgentReport("he says he will come tonight")
	e.alerter.openErr = errors.New("alerts store down")
	if _, err := e.store.Submit(ctx, key, r); err == nil {
		t.Fatal("Submit with alerts down: got nil error, want one")
	}
	if n := e.count(t, collCases); n != 0 {
		t.Fatalf("cases after failed alert: got %d, want 0", n)
	}
	e.alerter.openErr = nil
	first, err := e.store.Submit(ctx, key, r)
	if err != nil {
		t.Fatalf("retry: %v", err)
	}
	again, err := e.store.Submit(ctx, key, r)
	if err != nil {
		t.Fatal(err)
	}
	if first.Receipt != again.Receipt || first.Reference != again.Reference {
		t.Errorf("retries differ: %s/%s vs %s/%s", first.Reference, first.Receipt, again.Reference, again.Receipt)
	}
	if n := e.count(t, collCases); n != 1 {
		t.Errorf("cases: got %d, want 1", n)
	}
	if e.alerter.opened[first.CaseID] < 1 || e.alerter.started[first.CaseID] != 1 {
		t.Errorf("alert opened %d started %d times, want ≥1 and 1", e.alerter.opened[first.CaseID], e.alerter.started[first.CaseID])
	}
}

// The process died after claiming the key and before storing the case: the
// retry finds the claim and finishes the work.
func TestRetryAfterCrashBetweenClaimAndCase(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	key := newKey()
	r := urgentReport("crash test")
	first, err := e.store.Submit(ctx, key, r)
	if err != nil {
		t.Fatal(err)
	}
	// Simulate the crash: the case document never made it.
	if _, err := e.db.Collection(collCases).DeleteOne(ctx, bson.D{{Key: "_id", Value: first.CaseID}}); err != nil {
		t.Fatal(err)
	}
	again, err := e.store.Submit(ctx, key, r)
	if err != nil {
		t.Fatal(err)
	}
	if again.CaseID != first.CaseID || again.Receipt != first.Receipt {
		t.Errorf("retry: got case %s, want %s with the same receipt", again.CaseID, first.CaseID)
	}
	if ok, _ := e.store.CaseExists(ctx, first.CaseID); !ok {
		t.Error("case does not exist after the retry")
	}
	if e.alerter.opened[first.CaseID] != 2 {
		t.Errorf("alert Open calls: got %d, want 2 (idempotent re-open before the case)", e.alerter.opened[first.CaseID])
	}
}

func TestIdempotencySameKey(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	key := newKey()
	a, err := e.store.Submit(ctx, key, routine("same words"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := e.store.Submit(ctx, key, routine("  same words  ")) // same after normalising
	if err != nil {
		t.Fatal(err)
	}
	if a.Reference != b.Reference || a.Receipt != b.Receipt {
		t.Errorf("same key, same report: got %s/%s then %s/%s, want the same answer", a.Reference, a.Receipt, b.Reference, b.Receipt)
	}
	_, err = e.store.Submit(ctx, key, routine("different words"))
	if !errors.Is(err, errkind.Conflict) {
		t.Errorf("same key, other report: got %v, want Conflict", err)
	}
	if n := e.count(t, collCases); n != 1 {
		t.Errorf("cases: got %d, want 1", n)
	}
}

func TestConcurrentSubmissionsOneKeyOneCase(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	key := newKey()
	r := urgentReport("twenty taps on send")
	const n = 20
	subs := make([]Submission, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			subs[i], errs[i] = e.store.Submit(context.Background(), key, r)
		}()
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("submission %d: %v", i, errs[i])
		}
		if subs[i].Reference != subs[0].Reference || subs[i].Receipt != subs[0].Receipt {
			t.Errorf("submission %d: got %s, want %s", i, subs[i].Reference, subs[0].Reference)
		}
	}
	if got := e.count(t, collCases); got != 1 {
		t.Errorf("cases: got %d, want 1", got)
	}
	if got := e.count(t, collRefs); got != 1 {
		t.Errorf("references: got %d, want 1", got)
	}
	if got := e.alerter.started[subs[0].CaseID]; got != 1 {
		t.Errorf("alert started %d times, want 1", got)
	}
}

func TestSubmitRejects(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	tests := []struct {
		name  string
		key   string
		r     Report
		field string
	}{
		{"short key", "abc", routine("x"), "Idempotency-Key"},
		{"unknown force", newKey(), Report{ForceCode: "ZZ", Category: CategorySomethingElse, WhatHappened: "x"}, "forceCode"},
		{"empty text", newKey(), routine(""), "whatHappened"},
	}
	for _, tt := range tests {
		_, err := e.store.Submit(ctx, tt.key, tt.r)
		if got := fields(err); len(got) != 1 || got[0] != tt.field {
			t.Errorf("%s: got field errors %v (%v), want [%s]", tt.name, got, err, tt.field)
		}
	}
	if n := e.count(t, collCases) + e.count(t, collRefs) + e.count(t, collIdempotency); n != 0 {
		t.Errorf("documents after rejected reports: got %d, want 0", n)
	}
}

// The raw documents hold neither the report text, the contact details, the
// handles, messages nor the receipt in clear.
func TestNoPlaintextAtRest(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	const marker = "PLAINTEXT-MARKER-7731"
	r := routine("what happened " + marker)
	r.Answers.Handles = []Handle{{Platform: "p", Handle: "h" + marker}}
	r.Contact = &Contact{Name: "n" + marker, Email: "x" + strings.ToLower(marker) + "@example.org", MayContact: true}
	sub := e.submit(t, r)
	if _, err := e.store.AddStaffMessage(officerA(), sub.CaseID, "msg "+marker); err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.AddNote(officerA(), sub.CaseID, "note "+marker); err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.SetStatus(officerA(), sub.CaseID, StatusChange{Status: StatusClosed, Disposition: DispositionAdviceGiven, Outcome: "outcome " + marker}); err != nil {
		t.Fatal(err)
	}
	s, err := e.store.OpenSession(ctx, sub.Reference, sub.Receipt, "")
	if err != nil {
		t.Fatal(err)
	}
	dump := dumpDatabase(t, e)
	for _, secret := range []string{marker, strings.ToLower(marker), sub.Receipt, canonical(sub.Receipt), s.Token} {
		if strings.Contains(dump, secret) {
			t.Errorf("raw documents contain %q", secret)
		}
	}
	if !strings.Contains(dump, sub.Reference) {
		t.Error("dump does not contain the reference; is the dump reading every collection?")
	}
}

func dumpDatabase(t *testing.T, e *env) string {
	t.Helper()
	return dbtest.Dump(t, e.db)
}

// A sealed field copied onto another case does not open there.
func TestMovedCiphertextDoesNotOpen(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	a := e.submit(t, routine("text of case A"))
	b := e.submit(t, routine("text of case B"))
	var docA caseDoc
	if err := e.db.Collection(collCases).FindOne(ctx, bson.D{{Key: "_id", Value: a.CaseID}}).Decode(&docA); err != nil {
		t.Fatal(err)
	}
	_, err := e.db.Collection(collCases).UpdateOne(ctx, bson.D{{Key: "_id", Value: b.CaseID}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "whatHappened", Value: docA.WhatHappened}}}})
	if err != nil {
		t.Fatal(err)
	}
	if d, err := e.store.Case(officerA(), b.CaseID); err == nil {
		t.Errorf("case B with A's ciphertext opened: got text %q, want an error", d.WhatHappened)
	}
}

// With no alert engine wired, an urgent report is refused and nothing is
// stored; a routine one is still taken.
func TestUrgentReportRefusedWithoutAlertEngine(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	st, err := NewStore(e.db, Config{Keys: e.keys, Argon2: Argon2Params{Time: 1, MemoryKiB: 64, Threads: 1},
		Forces: fakeForces{"AB": forceA}, Audit: e.audit, Limiter: e.limiter, Handlers: fakeHandlers{}, Now: e.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Submit(context.Background(), newKey(), urgentReport("x")); err == nil {
		t.Fatal("urgent report without an alert engine: got nil error, want one")
	}
	if n := e.count(t, collCases); n != 0 {
		t.Errorf("cases: got %d, want 0", n)
	}
	if _, err := st.Submit(context.Background(), newKey(), routine("x")); err != nil {
		t.Errorf("routine report without an alert engine: %v", err)
	}
}
