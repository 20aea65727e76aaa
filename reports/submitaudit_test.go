package reports

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"speaksafe/audit"
)

// The case.created entry is written before the case: when it cannot be,
// no case is stored and the report fails (the child retries); the retry
// stores the case, audited, with the same receipt.
func TestCaseCreatedIsRecordedBeforeTheCaseAndAFailureStoresNoCase(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	var down atomic.Bool
	down.Store(true)
	var before, after atomic.Int32
	e.store.cfg.Audit = audit.RecorderFunc(func(ctx context.Context, en audit.Entry) error {
		if en.Action != "case.created" {
			return e.audit.Record(ctx, en)
		}
		if down.Load() {
			return errors.New("audit chain unreachable")
		}
		if ok, _ := e.store.CaseExists(ctx, en.ObjectID); ok {
			after.Add(1)
		} else {
			before.Add(1)
		}
		return e.audit.Record(ctx, en)
	})
	key, r := newKey(), urgentReport("he is outside now")
	if _, err := e.store.Submit(ctx, key, r); err == nil {
		t.Fatal("Submit with the audit chain down: got nil, want an error")
	}
	if n := e.count(t, collCases); n != 0 {
		t.Fatalf("cases stored without their case.created entry: %d, want 0", n)
	}
	down.Store(false)
	sub, err := e.store.Submit(ctx, key, r)
	if err != nil {
		t.Fatalf("retry: %v", err)
	}
	if ok, _ := e.store.CaseExists(ctx, sub.CaseID); !ok {
		t.Fatal("no case after the retry")
	}
	if got := len(e.audit.find("case.created", sub.CaseID)); got != 1 || before.Load() != 1 || after.Load() != 0 {
		t.Errorf("case.created: %d entries, %d written before the case and %d after; want 1, 1, 0", got, before.Load(), after.Load())
	}
	if e.alerter.started[sub.CaseID] != 1 {
		t.Errorf("alert started %d times, want 1", e.alerter.started[sub.CaseID])
	}
}

// A retry, served by another instance, after a crash between the
// case.created entry and the case finds the entry in the chain and does
// not write a second one.
func TestRetryAfterACrashBetweenTheEntryAndTheCaseWritesOneCaseCreated(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	log := audit.New(e.db, nil, nil)
	e.store.cfg.Audit = log
	key, r := newKey(), urgentReport("crash after the entry")
	first, err := e.store.Submit(ctx, key, r)
	if err != nil {
		t.Fatal(err)
	}
	// The crash: the entry is in the chain, the case never made it.
	if _, err := e.db.Collection(collCases).DeleteOne(ctx, bson.D{{Key: "_id", Value: first.CaseID}}); err != nil {
		t.Fatal(err)
	}
	other, err := NewStore(e.db, e.store.cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.Submit(ctx, key, r); err != nil {
		t.Fatalf("retry: %v", err)
	}
	if ok, _ := e.store.CaseExists(ctx, first.CaseID); !ok {
		t.Fatal("no case after the retry")
	}
	recs, err := log.ObjectRecords(ctx, "case", first.CaseID)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, rec := range recs {
		if rec.Action == "case.created" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("case.created entries after the retry: %d, want 1", n)
	}
}

// A pattern check whose first attempt failed, after the case was stored,
// is retried in the background and the signal is raised.
func TestAPatternCheckWhoseFirstAttemptFailedStillRaisesTheSignal(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.store.patternWait = 0
	for range DefaultPatternReports - 1 {
		e.submit(t, naming("insta", "cool_uncle_99"))
	}
	if n := e.count(t, collSignals); n != 0 {
		t.Fatalf("signals before the threshold: %d", n)
	}
	var calls atomic.Int32
	check := e.store.checkPattern
	e.store.patternCheck = func(ctx context.Context, d *caseDoc, hash string, chain []handleDoc) error {
		if calls.Add(1) == 1 {
			return errors.New("store went away")
		}
		return check(ctx, d, hash, chain)
	}
	e.submit(t, naming("insta", "cool_uncle_99"))
	e.store.background.Wait()
	if calls.Load() < 2 {
		t.Fatalf("pattern check ran %d times, want a failed first attempt and a retry", calls.Load())
	}
	var sig signalDoc
	err := e.db.Collection(collSignals).FindOne(context.Background(), bson.D{}).Decode(&sig)
	if err != nil || sig.Kind != PatternRepeat || sig.Reports != DefaultPatternReports {
		t.Errorf("signal after the retry: %+v (%v), want a repeat signal of %d reports", sig, err, DefaultPatternReports)
	}
}

// Twenty taps on send: the requests racing to store one case write one
// case.created entry between them.
func TestConcurrentSubmissionsOfOneReportWriteOneCaseCreated(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	key, r := newKey(), urgentReport("twenty taps, one entry")
	subs := make([]Submission, 20)
	errs := make([]error, len(subs))
	var wg sync.WaitGroup
	for i := range subs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			subs[i], errs[i] = e.store.Submit(context.Background(), key, r)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("submission %d: %v", i, err)
		}
	}
	if got := len(e.audit.find("case.created", subs[0].CaseID)); got != 1 {
		t.Errorf("case.created entries: %d, want 1", got)
	}
}
