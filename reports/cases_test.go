package reports

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"speaksafe/accounts"
	"speaksafe/errkind"
)

func TestSessionCredentialsAnswerAlike(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	sub := e.submit(t, routine("x"))
	other, _ := newReceipt()
	unknownRef, _ := newReference()
	tests := []struct{ name, ref, receipt string }{
		{"wrong receipt", sub.Reference, other},
		{"unknown reference", unknownRef, sub.Receipt},
		{"malformed receipt", sub.Reference, "1234"},
		{"empty", "", ""},
	}
	var first string
	for _, tt := range tests {
		_, err := e.store.OpenSession(ctx, tt.ref, tt.receipt, "")
		if !errors.Is(err, errkind.Unauthorized) {
			t.Errorf("%s: got %v, want Unauthorized", tt.name, err)
			continue
		}
		if first == "" {
			first = err.Error()
		} else if err.Error() != first {
			t.Errorf("%s: answer %q differs from %q", tt.name, err, first)
		}
	}
	s, err := e.store.OpenSession(ctx, " "+sub.Reference+" ", sub.Receipt, "")
	if err != nil {
		t.Fatalf("right credentials: %v", err)
	}
	rctx, err := e.store.AuthenticateReporter(ctx, s.Token)
	if err != nil {
		t.Fatal(err)
	}
	if id, _ := ReporterCaseFrom(rctx); id != sub.CaseID {
		t.Errorf("session case: got %s, want %s", id, sub.CaseID)
	}
}

// SECURITY 15: wrong receipts for one reference from many clients never
// refuse the correct receipt from another client.
func TestOthersGuessesNeverLockAChildOut(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	sub := e.submit(t, routine("x"))
	wrong, _ := newReceipt()
	for i := range 40 {
		client := fmt.Sprintf("guesser-%d", i%8)
		_, err := e.store.OpenSession(ctx, sub.Reference, wrong, client)
		var rl *errkind.RateLimited
		if !errors.Is(err, errkind.Unauthorized) && !errors.As(err, &rl) {
			t.Fatalf("guess %d: got %v, want Unauthorized or RateLimited", i, err)
		}
	}
	if _, err := e.store.OpenSession(ctx, sub.Reference, sub.Receipt, "the-childs-phone"); err != nil {
		t.Errorf("correct receipt from a new client after 40 wrong ones: got %v, want a session", err)
	}
}

// Wrong receipts are throttled per client: after its allowance a client
// is refused (even with a right receipt), while another client is not.
func TestWrongReceiptsThrottledPerClient(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	sub := e.submit(t, routine("x"))
	wrong, _ := newReceipt()
	for i := range wrongReceiptsPerClient {
		if _, err := e.store.OpenSession(ctx, sub.Reference, wrong, "guesser"); !errors.Is(err, errkind.Unauthorized) {
			t.Fatalf("guess %d: got %v, want Unauthorized", i+1, err)
		}
	}
	var rl *errkind.RateLimited
	if _, err := e.store.OpenSession(ctx, sub.Reference, sub.Receipt, "guesser"); !errors.As(err, &rl) || rl.Detail == "" {
		t.Errorf("after %d wrong receipts: got %v, want RateLimited with a text for the child", wrongReceiptsPerClient, err)
	}
	if _, err := e.store.OpenSession(ctx, sub.Reference, sub.Receipt, "another"); err != nil {
		t.Errorf("another client: got %v, want a session", err)
	}
	e.clock.Advance(guessWindow)
	if _, err := e.store.OpenSession(ctx, sub.Reference, sub.Receipt, "guesser"); err != nil {
		t.Errorf("the guesser's next window: got %v, want a session", err)
	}
}

// Right receipts do not use up the allowance: a class behind one school
// address can all open their own cases.
func TestRightReceiptsDoNotCountAsGuesses(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	sub := e.submit(t, routine("x"))
	for i := range 2 * wrongReceiptsPerClient {
		if _, err := e.store.OpenSession(ctx, sub.Reference, sub.Receipt, "school"); err != nil {
			t.Fatalf("opening %d: %v", i+1, err)
		}
	}
}

// When wrong receipts flood in from everywhere, each client's allowance
// shrinks, but a client that has not guessed still opens its case.
func TestGuessFloodShrinksEachClientsAllowance(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	sub := e.submit(t, routine("x"))
	wrong, _ := newReceipt()
	for i := range wrongReceiptsFlood {
		_, _ = e.store.OpenSession(ctx, "SS-2222-3333", wrong, fmt.Sprintf("bot-%d", i))
	}
	for i := range wrongReceiptsPerClientFlood {
		if _, err := e.store.OpenSession(ctx, sub.Reference, wrong, "late-guesser"); !errors.Is(err, errkind.Unauthorized) {
			t.Fatalf("guess %d during the flood: got %v, want Unauthorized", i+1, err)
		}
	}
	var rl *errkind.RateLimited
	if _, err := e.store.OpenSession(ctx, sub.Reference, wrong, "late-guesser"); !errors.As(err, &rl) {
		t.Errorf("guess %d during the flood: got %v, want RateLimited", wrongReceiptsPerClientFlood+1, err)
	}
	if _, err := e.store.OpenSession(ctx, sub.Reference, sub.Receipt, "the-childs-phone"); err != nil {
		t.Errorf("correct receipt during the flood: got %v, want a session", err)
	}
}

func TestSessionExpires(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	sub := e.submit(t, routine("x"))
	s, err := e.store.OpenSession(ctx, sub.Reference, sub.Receipt, "")
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(31 * time.Minute)
	if _, err := e.store.AuthenticateReporter(ctx, s.Token); !errors.Is(err, errkind.Unauthorized) {
		t.Errorf("expired session: got %v, want Unauthorized", err)
	}
	if _, err := e.store.AuthenticateReporter(ctx, "not-a-token"); !errors.Is(err, errkind.Unauthorized) {
		t.Errorf("bogus token: got %v, want Unauthorized", err)
	}
}

func reporterCtx(t *testing.T, e *env, sub Submission) context.Context {
	t.Helper()
	s, err := e.store.OpenSession(context.Background(), sub.Reference, sub.Receipt, "")
	if err != nil {
		t.Fatal(err)
	}
	ctx, err := e.store.AuthenticateReporter(context.Background(), s.Token)
	if err != nil {
		t.Fatal(err)
	}
	return ctx
}

// The whole return channel: the reporter sees when the case was read, the
// officer's reply without their name, never notes, and the outcome.
func TestReporterSeesReadMessagesAndOutcome(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	sub := e.submit(t, urgentReport("please help"))
	rctx := reporterCtx(t, e, sub)
	v, err := e.store.ReporterCase(rctx)
	if err != nil {
		t.Fatal(err)
	}
	if v.ReadAt != nil || v.Status != StatusNew {
		t.Errorf("before anyone read it: got readAt %v status %s, want nil, new", v.ReadAt, v.Status)
	}
	if _, err := e.store.AddReporterMessage(rctx, "he messaged again"); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(5 * time.Minute)
	d, err := e.store.Case(officerA(), sub.CaseID)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Messages) != 1 || d.Messages[0].Body != "he messaged again" || d.Messages[0].From != AuthorReporter {
		t.Errorf("officer sees messages %+v, want the reporter's one", d.Messages)
	}
	if _, err := e.store.AddStaffMessage(officerA(), sub.CaseID, "we are on our way"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.AddNote(officerA(), sub.CaseID, "private: checked address"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.SetStatus(officerA(), sub.CaseID, StatusChange{Status: StatusClosed, Disposition: DispositionAdviceGiven, Outcome: "You are safe now. Thank you for telling us."}); err != nil {
		t.Fatal(err)
	}
	v, err = e.store.ReporterCase(rctx)
	if err != nil {
		t.Fatal(err)
	}
	if v.ReadAt == nil || !v.ReadAt.Equal(e.clock.Now()) {
		t.Errorf("readAt: got %v, want %v", v.ReadAt, e.clock.Now())
	}
	if v.Status != StatusClosed || v.Outcome != "You are safe now. Thank you for telling us." {
		t.Errorf("closed case: got status %s outcome %q", v.Status, v.Outcome)
	}
	if len(v.Messages) != 2 || v.Messages[1].Body != "we are on our way" || v.Messages[1].By != "" {
		t.Errorf("reporter messages: got %+v, want 2 with the officer anonymous", v.Messages)
	}
	if _, err := e.store.AddReporterMessage(rctx, "thanks"); !errors.Is(err, errkind.Conflict) {
		t.Errorf("message to a closed case: got %v, want Conflict", err)
	}
	if e.alerter.acked[sub.CaseID] != "officer-a" {
		t.Errorf("alert acknowledged by %q, want officer-a", e.alerter.acked[sub.CaseID])
	}
}

func TestCaseAccessMatrix(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	sub := e.submit(t, routine("x"))
	tests := []struct {
		name  string
		ctx   context.Context
		allow bool
	}{
		{"officer of the force", officerA(), true},
		{"supervisor of the force", staff(accounts.RoleSupervisor, "sup-a", forceA, accounts.OrgForce, forceA), true},
		{"officer of another force", officerB(), false},
		{"supervisor of another force", staff(accounts.RoleSupervisor, "sup-b", forceB, accounts.OrgForce, forceB), false},
		{"school staff in the force area", staff(accounts.RoleSchoolStaff, "t1", "school-1", accounts.OrgSchool, forceA), false},
		{"school safeguarding lead in the force area", staff(accounts.RoleSafeguardingLead, "l1", "school-1", accounts.OrgSchool, forceA), false},
		{"force safeguarding lead", staff(accounts.RoleSafeguardingLead, "l2", forceA, accounts.OrgForce, forceA), false},
		{"admin", staff(accounts.RoleAdmin, "adm", "", "", ""), false},
		{"no caller", context.Background(), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checks := map[string]error{}
			_, checks["open"] = e.store.Case(tt.ctx, sub.CaseID)
			_, checks["message"] = e.store.AddStaffMessage(tt.ctx, sub.CaseID, "hi")
			_, checks["note"] = e.store.AddNote(tt.ctx, sub.CaseID, "n")
			checks["assign"] = e.store.Assign(tt.ctx, sub.CaseID, "")
			_, checks["status"] = e.store.SetStatus(tt.ctx, sub.CaseID, StatusChange{Status: StatusInProgress})
			page, qerr := e.store.Queue(tt.ctx, QueueFilter{})
			for op, err := range checks {
				if tt.allow && err != nil {
					t.Errorf("%s: got %v, want success", op, err)
				}
				if !tt.allow && !errors.Is(err, errkind.NotFound) {
					t.Errorf("%s: got %v, want NotFound", op, err)
				}
			}
			if tt.allow && (qerr != nil || len(page.Cases) != 1) {
				t.Errorf("queue: got %d cases, %v; want 1", len(page.Cases), qerr)
			}
			if !tt.allow && len(page.Cases) != 0 {
				t.Errorf("queue: got %d cases, want none", len(page.Cases))
			}
		})
	}
}

func TestOpeningACaseIsAudited(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	sub := e.submit(t, routine("x"))
	for range 2 {
		if _, err := e.store.Case(officerA(), sub.CaseID); err != nil {
			t.Fatal(err)
		}
	}
	got := e.audit.find("case.opened", sub.CaseID)
	if len(got) != 2 || got[0].Actor != "officer-a" || got[0].ObjectType != "case" {
		t.Errorf("audit: got %+v, want two case.opened entries by officer-a", got)
	}
	if _, err := e.store.Case(officerB(), sub.CaseID); err == nil {
		t.Fatal("other force opened the case")
	}
	if got := e.audit.find("case.opened", sub.CaseID); len(got) != 2 {
		t.Errorf("a refused open was audited as an open: %d entries", len(got))
	}
}

func TestStatusTransitions(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	sub := e.submit(t, routine("x"))
	steps := []struct {
		change StatusChange
		ok     bool
		want   error
	}{
		{StatusChange{Status: StatusNew}, false, nil},
		{StatusChange{Status: StatusClosed}, false, nil}, // no disposition
		{StatusChange{Status: StatusAcknowledged, Outcome: "x"}, false, nil},
		{StatusChange{Status: StatusAcknowledged}, true, nil},
		{StatusChange{Status: StatusAcknowledged}, true, nil}, // retried: harmless
		{StatusChange{Status: StatusInProgress}, true, nil},
		{StatusChange{Status: StatusAcknowledged}, false, errkind.Conflict},
		{StatusChange{Status: StatusClosed, Disposition: "made_up"}, false, nil},
		{StatusChange{Status: StatusClosed, Disposition: DispositionNoFurtherAction}, true, nil},
		{StatusChange{Status: StatusClosed, Disposition: DispositionNoFurtherAction}, false, errkind.Conflict},
	}
	for i, s := range steps {
		d, err := e.store.SetStatus(officerA(), sub.CaseID, s.change)
		switch {
		case s.ok && err != nil:
			t.Errorf("step %d %+v: got %v, want success", i, s.change, err)
		case s.ok && d.Status != s.change.Status:
			t.Errorf("step %d: got status %s, want %s", i, d.Status, s.change.Status)
		case !s.ok && err == nil:
			t.Errorf("step %d %+v: got success, want an error", i, s.change)
		case !s.ok && s.want != nil && !errors.Is(err, s.want):
			t.Errorf("step %d: got %v, want %v", i, err, s.want)
		}
	}
	d, _ := e.store.Case(officerA(), sub.CaseID)
	if d.AcknowledgedBy != "officer-a" || d.ClosedBy != "officer-a" || d.Disposition != DispositionNoFurtherAction {
		t.Errorf("closed case: got ack by %q closed by %q disposition %q", d.AcknowledgedBy, d.ClosedBy, d.Disposition)
	}
	if n := len(e.audit.find("case.status_changed", sub.CaseID)); n != 3 {
		t.Errorf("status audit entries: got %d, want 3", n)
	}
}

func TestMarkAcknowledgedFromAlert(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	sub := e.submit(t, urgentReport("x"))
	if err := e.store.MarkAcknowledged(ctx, sub.CaseID, "officer-a", e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	d, _ := e.store.Case(officerA(), sub.CaseID)
	if d.Status != StatusAcknowledged || d.AcknowledgedBy != "officer-a" {
		t.Errorf("got status %s by %q, want acknowledged by officer-a", d.Status, d.AcknowledgedBy)
	}
	if _, err := e.store.SetStatus(officerA(), sub.CaseID, StatusChange{Status: StatusInProgress}); err != nil {
		t.Fatal(err)
	}
	if err := e.store.MarkAcknowledged(ctx, sub.CaseID, "officer-a2", e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	if d, _ := e.store.Case(officerA(), sub.CaseID); d.Status != StatusInProgress {
		t.Errorf("late acknowledgement moved the case back to %s", d.Status)
	}
	if err := e.store.MarkAcknowledged(ctx, "no-such-case", "officer-a", e.clock.Now()); !errors.Is(err, errkind.NotFound) {
		t.Errorf("unknown case: got %v, want NotFound", err)
	}
}

func TestAssign(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	sub := e.submit(t, routine("x"))
	if err := e.store.Assign(officerA(), sub.CaseID, "officer-a2"); err != nil {
		t.Fatal(err)
	}
	if err := e.store.Assign(officerA(), sub.CaseID, "officer-b"); fields(err) == nil {
		t.Errorf("assign to another force's officer: got %v, want a validation error", err)
	}
	d, _ := e.store.Case(officerA(), sub.CaseID)
	if d.AssignedTo != "officer-a2" {
		t.Errorf("assigned to %q, want officer-a2", d.AssignedTo)
	}
}
