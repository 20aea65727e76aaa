package reports

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"time"

	"speaksafe/database"
	"speaksafe/errkind"
)

// Submission is the answer to a report: shown once to the young person.
type Submission struct {
	// CaseID is the opaque case id; it never leaves the server towards the
	// reporter (they have the reference).
	CaseID    string
	Reference string
	Receipt   string
	Urgent    bool
	Reasons   []Reason
	Guidance  Guidance
}

// answer is everything a retry with the same Idempotency-Key needs to give
// the same Submission and to finish the work if the first attempt died
// half-way. It is stored sealed, because it holds the receipt; its JSON is
// that storage format (not a wire type), read back by later releases.
type answer struct {
	CaseID      string    `json:"caseId"`
	Reference   string    `json:"reference"`
	Receipt     string    `json:"receipt"`
	ForceID     string    `json:"forceId"`
	Urgent      bool      `json:"urgent"`
	Reasons     []Reason  `json:"reasons,omitempty"`
	InDangerNow bool      `json:"inDangerNow"`
	CreatedAt   time.Time `json:"createdAt"`
	BodyHash    string    `json:"bodyHash"`
	// Flood is decided once, by the first attempt, so that every retry
	// stores the case in the same flood group.
	Flood flood `json:"flood"`
}

func (a *answer) submission() Submission {
	return Submission{
		CaseID: a.CaseID, Reference: a.Reference, Receipt: a.Receipt, Urgent: a.Urgent,
		Reasons: a.Reasons, Guidance: GuidanceFor(a.InDangerNow, a.Urgent),
	}
}

// idemDoc claims an Idempotency-Key: _id is a hash of the key, so the insert
// is the atomic claim on every store.
type idemDoc struct {
	ID        string    `bson:"_id"`
	Answer    string    `bson:"answer"`
	CreatedAt time.Time `bson:"createdAt"`
	ExpiresAt time.Time `bson:"expiresAt"`
}

// refDoc maps a human reference to its case and holds the receipt hash.
type refDoc struct {
	ID        string      `bson:"_id"`
	CaseID    string      `bson:"caseId"`
	ForceID   string      `bson:"forceId"`
	Receipt   receiptHash `bson:"receipt"`
	CreatedAt time.Time   `bson:"createdAt"`
}

const fieldAnswer = "answer"

var idemKeyPattern = regexp.MustCompile(`^[A-Za-z0-9_.:-]{16,128}$`)

// writeTimeout bounds the write phase of a submission, which runs detached
// from the request: a client that hangs up half-way must not leave the work
// half-done for longer than needed.
const writeTimeout = 20 * time.Second

// Submit takes report r under Idempotency-Key key from an unknown client:
// SubmitFrom without per-client limits (for seeding and internal callers).
func (s *Store) Submit(ctx context.Context, key string, r Report) (Submission, error) {
	return s.SubmitFrom(ctx, key, r, "")
}

// SubmitFrom takes report r under Idempotency-Key key from client (the
// keyed hash of the client's network address, never the address). A first
// call creates the case; a retry with the same key and the same report
// returns the same Submission (the same receipt) before any limit is looked
// at, and finishes anything the first call did not; the same key with
// another report is a Conflict.
//
// An urgent report is never refused for volume: beyond the flood
// thresholds it is stored in a flood group (paged as one digest). A routine
// report beyond the client's allowance is refused with RateLimited.
//
// Durability: for an urgent report the alert is opened before the case
// document is inserted, so that no stored case — and so no 201 — is ever
// without its alert; every report's case.created audit entry is written
// before it too, so that no stored case is unaudited.
func (s *Store) SubmitFrom(ctx context.Context, key string, r Report, client string) (Submission, error) {
	if !idemKeyPattern.MatchString(key) {
		return Submission{}, errkind.Invalid("Idempotency-Key", "must be 16–128 letters, digits or -_.: (a fresh UUID per report)")
	}
	r.Normalize()
	if err := r.Validate(); err != nil {
		return Submission{}, err
	}
	now := s.now().UTC()
	urgent, reasons := Urgency(&r, now)
	body := bodyHash(&r)
	id := idemID(key)
	if urgent {
		defer s.routine.urgent()()
	} else {
		leave, busy := s.routine.enter(ctx)
		if busy != nil {
			return s.answerWhileBusy(ctx, id, body, &r, busy)
		}
		defer leave()
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), writeTimeout)
	defer cancel()
	// The force is looked up while the key's record is: two reads, one wait.
	prior := make(chan priorAnswer, 1)
	go func() {
		a, found, err := s.loadAnswer(ctx, id)
		prior <- priorAnswer{a, found, err}
	}()
	forceID, err := s.cfg.Forces.ForceID(ctx, r.ForceCode)
	if errors.Is(err, errkind.NotFound) {
		return Submission{}, errkind.Invalid("forceCode", "is not a police force code we know")
	}
	if err != nil {
		return Submission{}, fmt.Errorf("reports: force: %w", err)
	}
	if p := <-prior; p.err != nil {
		return Submission{}, p.err
	} else if p.found {
		return s.resume(ctx, p.a, body, &r)
	}
	// An urgent report is counted for floods while its reference is
	// claimed; a routine one is counted against its client first.
	marked := make(chan flood, 1)
	if urgent {
		go func() { marked <- s.floodMark(ctx, client, forceID) }()
	} else if err := s.limitRoutine(ctx, client); err != nil {
		return Submission{}, err
	} else {
		marked <- flood{}
	}
	a := &answer{ForceID: forceID, Urgent: urgent, Reasons: reasons, InDangerNow: r.Answers.InDangerNow,
		CreatedAt: now, BodyHash: body}
	a, err = s.newAnswer(ctx, a)
	fl := <-marked
	if err != nil {
		return Submission{}, err
	}
	a.Flood = fl
	a, won, err := s.claimKey(ctx, id, a)
	if err != nil {
		return Submission{}, err
	}
	if !won {
		return s.resume(ctx, a, body, &r)
	}
	return s.complete(ctx, a, &r, caseStart{absent: true})
}

// answerWhileBusy answers a routine report the intake gate refused (busy):
// a retry of a report already stored still gets its answer, as it would
// past any other limit; anything else gets busy.
func (s *Store) answerWhileBusy(ctx context.Context, id, body string, r *Report, busy error) (Submission, error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), writeTimeout)
	defer cancel()
	a, found, err := s.loadAnswer(ctx, id)
	if err != nil || !found {
		return Submission{}, busy
	}
	return s.resume(ctx, a, body, r)
}

// priorAnswer is what loadAnswer found under a submission's key.
type priorAnswer struct {
	a     *answer
	found bool
	err   error
}

// resume answers a retry: the same report gets the stored answer (after
// finishing the work if needed); another report under the key is refused.
func (s *Store) resume(ctx context.Context, a *answer, body string, r *Report) (Submission, error) {
	if subtle.ConstantTimeCompare([]byte(a.BodyHash), []byte(body)) != 1 {
		return Submission{}, conflict("This Idempotency-Key was already used for a different report; use a new key for a new report.")
	}
	return s.complete(ctx, a, r, caseStart{resumed: true})
}

// complete makes sure the case of answer a exists, opening its alert first
// when urgent. Every step is an insert with a deterministic _id, so racing
// retries and a retry after a crash all converge on one case and one alert.
func (s *Store) complete(ctx context.Context, a *answer, r *Report, how caseStart) (Submission, error) {
	build := func() (*caseDoc, error) { return s.newCaseDoc(r, a) }
	if err := s.storeCase(ctx, a, r.Answers.Handles, build, how); err != nil {
		return Submission{}, err
	}
	return a.submission(), nil
}

// Budgets of the audit entry written before a case and of the first
// pattern check after it, each its own: a slow audit chain or store gives
// the child a quick 503 to retry (the retry resumes), never a request held
// open, and one step's wait never eats the other's.
const (
	createdBudget = 5 * time.Second
	patternBudget = 3 * time.Second
)

// caseStart is what the caller of storeCase knows about the case.
type caseStart struct {
	// absent: the case does not exist (its id was just drawn, or just
	// looked up), so the lookup is saved; a racing retry that stored it
	// meanwhile is still caught by the insert.
	absent bool
	// resumed: an earlier request with the key may have written the
	// case.created entry already; it is looked for first.
	resumed bool
}

// storeCase stores the case of answer a, built by build, unless it exists.
// First, side by side: the alert (when urgent), so that no stored case is
// without one; the case.created audit entry, so that no stored case is
// unaudited; the queue entry and the hashes of the handles it names. An
// error of any returns before the case is stored (the retry resumes). Then
// the case; then the page starts and the handle pattern check runs
// (retried in the background if it fails).
func (s *Store) storeCase(ctx context.Context, a *answer, handles []Handle, build func() (*caseDoc, error), how caseStart) error {
	var err error
	if !how.absent {
		exists, err := s.CaseExists(ctx, a.CaseID)
		if err != nil || exists {
			return err
		}
	}
	var alerter Alerter
	if a.Urgent {
		if alerter, err = s.alerts(); err != nil {
			return err
		}
	}
	doc, err := build()
	if err != nil {
		return err
	}
	// The alert, the audit entry, the queue entry and the handle slots go
	// in side by side (each only reads doc), and the case waits for all of
	// them: any error returns before the case is stored.
	opened := make(chan error, 1)
	if alerter != nil {
		go func() { opened <- s.openAlert(ctx, alerter, a) }()
	} else {
		opened <- nil
	}
	audited := make(chan error, 1)
	go func() { audited <- s.created(ctx, doc, how.resumed) }()
	// The queue entry, like the alert, goes in before the case, so a stored
	// case is never missing from its force's queue.
	queued := make(chan error, 1)
	go func() { queued <- s.indexNewCase(ctx, doc) }()
	claims, errHandles := s.indexHandles(ctx, doc, handles)
	errOpen, errAudit, errQueue := <-opened, <-audited, <-queued
	if err := errors.Join(errOpen, errAudit, errQueue, errHandles); err != nil {
		return err
	}
	if err := s.inserts.cases.InsertOne(ctx, doc); err != nil {
		if !database.IsDuplicateKey(err) {
			return dbErr("insert case", err)
		}
		return nil // a racing retry stored it
	}
	if a.Urgent {
		alerter.Start(a.CaseID)
	}
	s.checkPatterns(ctx, doc, claims)
	s.log.InfoContext(ctx, "report received", "case_id", a.CaseID, "urgent", a.Urgent, "kind", doc.Kind.orReport())
	return nil
}

// openAlert opens the alert of urgent answer a; the case is stored only
// after it, so that no stored urgent case is without one.
func (s *Store) openAlert(ctx context.Context, alerter Alerter, a *answer) error {
	fl := AlertFlood{Group: a.Flood.Group, Kind: a.Flood.Kind}
	if err := alerter.OpenUrgent(ctx, a.CaseID, a.ForceID, a.CreatedAt, fl); err != nil {
		return fmt.Errorf("reports: open alert for case %s: %w", a.CaseID, err)
	}
	return nil
}

// newAnswer draws the case id, reference and receipt of a new report
// into a, hashes the receipt and reserves the reference by inserting its
// lookup document (a clash draws another reference).
func (s *Store) newAnswer(ctx context.Context, a *answer) (*answer, error) {
	var err error
	a.CaseID = database.NewID()
	if a.Receipt, err = newReceipt(); err != nil {
		return nil, err
	}
	for range 5 {
		if a.Reference, err = newReference(); err != nil {
			return nil, err
		}
		h := s.hasher.hash(a.Reference, a.Receipt)
		ref := refDoc{ID: a.Reference, CaseID: a.CaseID, ForceID: a.ForceID, Receipt: h, CreatedAt: a.CreatedAt}
		err = s.inserts.refs.InsertOne(ctx, ref)
		if err == nil {
			return a, nil
		}
		if !database.IsDuplicateKey(err) {
			return nil, dbErr("insert reference", err)
		}
	}
	return nil, fmt.Errorf("reports: no free reference after 5 draws: %w", err)
}

// claimKey records answer a, whose reference newAnswer claimed, under
// idempotency record id. When another request with the same key won that
// claim, a's reference is released (database.Release) and the winner's
// answer is returned with false.
func (s *Store) claimKey(ctx context.Context, id string, a *answer) (*answer, bool, error) {
	sealed, err := s.sealJSON(id, fieldAnswer, a)
	if err != nil {
		return nil, false, err
	}
	doc := idemDoc{ID: id, Answer: sealed, CreatedAt: a.CreatedAt, ExpiresAt: a.CreatedAt.Add(s.cfg.IdempotencyTTL)}
	err = s.inserts.keys.InsertOne(ctx, doc)
	if err == nil {
		return a, true, nil
	}
	if !database.IsDuplicateKey(err) {
		return nil, false, dbErr("claim idempotency key", err)
	}
	database.Release(ctx, s.log, s.coll(collRefs), a.Reference)
	other, found, err := s.loadAnswer(ctx, id)
	if err != nil {
		return nil, false, err
	}
	if !found {
		return nil, false, fmt.Errorf("reports: idempotency record vanished: %w", errkind.Conflict)
	}
	return other, false, nil
}

func (s *Store) loadAnswer(ctx context.Context, id string) (*answer, bool, error) {
	doc, err := database.FindByID[idemDoc](ctx, s.coll(collIdempotency), id, nil)
	if err != nil || doc.ID == "" {
		return nil, false, wrapDB("load idempotency record", err)
	}
	var a answer
	if err := s.openJSON(id, fieldAnswer, doc.Answer, &a); err != nil {
		return nil, false, err
	}
	return &a, true, nil
}

// CaseExists reports whether the case document exists. Notifications uses
// it to void an alert whose case never got stored.
func (s *Store) CaseExists(ctx context.Context, caseID string) (bool, error) {
	ok, err := database.Exists(ctx, s.coll(collCases), caseID)
	if err != nil {
		return false, dbErr("case exists", err)
	}
	return ok, nil
}

func idemID(key string) string {
	sum := sha256.Sum256([]byte("speaksafe/reports/idempotency\x00" + key))
	return hex.EncodeToString(sum[:])
}

// bodyHash fingerprints a normalised report so that a retry can be told
// from another report under the same key. It is kept only inside the sealed
// answer, never in clear.
func bodyHash(r *Report) string {
	b, _ := json.Marshal(reportFormatOf(r))
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
