package reports

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"speaksafe/audit"
	"speaksafe/database"
	"speaksafe/errkind"
	"speaksafe/fieldcrypt"
	"speaksafe/hashbudget"
)

// Collections of the reports domain.
const (
	collCases       = "cases"
	collThreads     = "case_threads"
	collRefs        = "case_refs"
	collIdempotency = "report_idempotency"
	collSessions    = "reporter_sessions"
	collLeases      = "report_leases"
)

// Alerter is the alerts side of an urgent report (implemented by
// alerts.Dispatcher). Open is called BEFORE the case document is inserted, so
// that a case which exists always has its alert; Start after.
type Alerter interface {
	// OpenUrgent durably records that case caseID of force forceID needs an
	// urgent alert, with the flood marking intake gave the case (so that the
	// engine need not read the case to group its pages). Called BEFORE the
	// case document is inserted; idempotent (duplicate _id = already open).
	OpenUrgent(ctx context.Context, caseID, forceID string, at time.Time, flood AlertFlood) error
	// Start begins dispatch in-process at once (best effort; a sweeper covers failure).
	Start(caseID string)
	// Acknowledged tells the alert that a member of staff took the case (stops escalation).
	Acknowledged(ctx context.Context, caseID, userID string, at time.Time) error
}

// Forces resolves the police force code a young person picked in the app.
type Forces interface {
	// ForceID returns the id of the police force with code; an error wrapping
	// errkind.NotFound when there is none (or the code names a school).
	ForceID(ctx context.Context, code string) (string, error)
}

// Limiter counts attempts in fixed windows shared by every instance (wired
// to ratelimit.Limiter): routine reports and receipt guesses per client,
// and urgent reports per network and per force to find floods.
type Limiter interface {
	// Allow counts one attempt of key in bucket and reports whether it is
	// within max per window, or else how long until it may be retried.
	Allow(ctx context.Context, bucket, key string, max int, window time.Duration) (ok bool, retryAfter time.Duration, err error)
	// Exceeded reports, without counting, whether key has already used max
	// attempts of bucket in this window.
	Exceeded(ctx context.Context, bucket, key string, max int, window time.Duration) (over bool, retryAfter time.Duration, err error)
	// Group returns a random id shared by every caller asking for key in
	// bucket during the current window.
	Group(ctx context.Context, bucket, key string, window time.Duration) (string, error)
	// Claim counts one attempt of key in bucket and returns its number in
	// the window, with no limit (one write that the attempts of the same
	// moment share, where Allow reads and writes a counter each).
	Claim(ctx context.Context, bucket, key string, window time.Duration) (int, error)
}

// Handlers says whether a member of staff may be assigned cases of a force.
type Handlers interface {
	// CanHandle reports whether user userID is an active officer or
	// supervisor of force forceID.
	CanHandle(ctx context.Context, forceID, userID string) (bool, error)
}

// ForcesFunc adapts a function to Forces.
type ForcesFunc func(ctx context.Context, code string) (string, error)

// ForceID calls f.
func (f ForcesFunc) ForceID(ctx context.Context, code string) (string, error) { return f(ctx, code) }

// HandlersFunc adapts a function to Handlers.
type HandlersFunc func(ctx context.Context, forceID, userID string) (bool, error)

// CanHandle calls f.
func (f HandlersFunc) CanHandle(ctx context.Context, forceID, userID string) (bool, error) {
	return f(ctx, forceID, userID)
}

// Config holds the dependencies and settings of a Store.
type Config struct {
	Keys     *fieldcrypt.Keys
	Argon2   Argon2Params
	Alerter  Alerter
	Forces   Forces
	Audit    audit.Recorder
	Limiter  Limiter
	Handlers Handlers
	// Hours says when each force reads routine reports; optional (the
	// guidance then says so in general words).
	Hours  Hours
	Logger *slog.Logger
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// ClosedCaseRetention is how long a closed case is kept (default 90 days).
	ClosedCaseRetention time.Duration
	// SessionTTL is how long a reporter session lasts (default 30 minutes).
	SessionTTL time.Duration
	// IdempotencyTTL is how long a submission's answer is kept for retries
	// with the same Idempotency-Key (default 24 hours).
	IdempotencyTTL time.Duration
	// Flood sets when urgent reports are grouped into one digest page
	// instead of one page each. Urgent reports are never refused.
	Flood FloodLimits
	// RoutinePerClient is how many routine reports one client (network)
	// may send per RoutineWindow (defaults 30 per 10 minutes).
	RoutinePerClient int
	RoutineWindow    time.Duration
	// RoutineInFlight bounds the routine reports this process stores at
	// once, and RoutineWait how long one waits for a turn before it is
	// refused with 503 (intakegate.go): urgent reports keep the store's
	// capacity they need (while they come in, one routine report at a
	// time). Defaults 8 and 3 s.
	RoutineInFlight int
	RoutineWait     time.Duration

	// ReceiptKeys hash receipts (RECEIPT_KEYS); Argon2 above then only
	// bounds verifying the Argon2id hashes of cases from before. Without
	// keys a random one is drawn: receipts then open cases only in this
	// process.
	ReceiptKeys *ReceiptKeys

	// HandleKeys hash handles for matching (HANDLE_KEYS); without them the
	// key is derived from the current receipt key. Patterns sets when a
	// handle named again raises a signal to the force's supervisors.
	HandleKeys *HandleKeys
	Patterns   PatternLimits
	// HashBudget is the memory budget Argon2 hashes share with every other
	// Argon2 user of the process (accounts' passwords); nil: one of its own.
	HashBudget *hashbudget.Budget
}

// Store keeps reports, cases, reporter sessions and idempotency records.
type Store struct {
	db     *mongo.Database
	cfg    Config
	keys   *fieldcrypt.Keys
	hasher *receipts
	now    func() time.Time
	log    *slog.Logger
	// locks serialise read-check-write updates of one case within this
	// process. The embedded store runs in one process and its conditional
	// updates are not atomic, so this is what keeps two officers' updates
	// (or a message and a status change) from losing each other there.
	locks   [64]sync.Mutex
	alerter atomic.Pointer[alerterBox]
	// referrals answers whether a case was referred (referralcheck.go).
	referrals atomic.Pointer[referralsBox]
	// handleKeys hash handles for matching (handlekeys.go).
	handleKeys *HandleKeys
	// referrer takes concerns the school asked to refer to the MASH (concernreferral.go).
	referrer atomic.Pointer[referrerBox]
	// export signs case exports (export.go).
	export atomic.Pointer[exportDeps]
	// queue is this instance's copy of the open queue (queueview.go).
	queue queueView
	// facts is this instance's copy of every case's Fact (factview.go).
	facts factView
	// patternCheck checks one handle hash of a stored case (checkPattern;
	// tests make it fail), patternWait is the wait before its first retry
	// and background counts the retries under way (patternretry.go).
	patternCheck func(ctx context.Context, d *caseDoc, hash string, chain []handleDoc) error
	patternWait  time.Duration
	background   sync.WaitGroup
	// createdOnce writes one case.created per case in this instance (createdonce.go).
	createdOnce createdOnce
	// routine bounds the routine reports stored at once (intakegate.go).
	routine *routineGate
	// inserts send a new report's claims and case together with those of
	// the reports taken at the same moment (database.GroupInsert).
	inserts intakeInserts
}

// intakeInserts are the grouped inserts of report intake.
type intakeInserts struct {
	refs, keys, cases, queue, handles *database.GroupInsert
}

// NewStore returns a store over db. Keys, Forces, Audit, Limiter and
// Handlers are required. The Alerter may come later (UseAlerter), because
// the alert engine in turn needs this store; until it is set, urgent reports
// are refused rather than stored without an alert.
func NewStore(db *mongo.Database, cfg Config) (*Store, error) {
	var missing []error
	for name, dep := range map[string]any{"Keys": cfg.Keys, "Forces": cfg.Forces, "Audit": cfg.Audit, "Limiter": cfg.Limiter, "Handlers": cfg.Handlers} {
		if dep == nil || isNilPointer(dep) {
			missing = append(missing, fmt.Errorf("reports: config: %s is required", name))
		}
	}
	if err := errors.Join(missing...); err != nil {
		return nil, err
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.ClosedCaseRetention <= 0 {
		cfg.ClosedCaseRetention = 90 * 24 * time.Hour
	}
	if cfg.SessionTTL <= 0 {
		cfg.SessionTTL = 30 * time.Minute
	}
	if cfg.IdempotencyTTL <= 0 {
		cfg.IdempotencyTTL = 24 * time.Hour
	}
	cfg.Flood = cfg.Flood.withDefaults()
	if cfg.RoutineInFlight <= 0 {
		cfg.RoutineInFlight = DefaultRoutineInFlight
	}
	if cfg.RoutineWait <= 0 {
		cfg.RoutineWait = DefaultRoutineWait
	}
	if cfg.RoutinePerClient <= 0 {
		cfg.RoutinePerClient = 30
	}
	if cfg.RoutineWindow <= 0 {
		cfg.RoutineWindow = 10 * time.Minute
	}
	st := &Store{db: db, cfg: cfg, keys: cfg.Keys, hasher: newReceipts(cfg.ReceiptKeys, cfg.Argon2, cfg.HashBudget), now: cfg.Now, log: cfg.Logger,
		inserts: intakeInserts{refs: database.NewGroupInsert(db.Collection(collRefs)),
			keys: database.NewGroupInsert(db.Collection(collIdempotency)), cases: database.NewGroupInsert(db.Collection(collCases)),
			queue: database.NewGroupInsert(db.Collection(collQueue)), handles: database.NewGroupInsert(db.Collection(collHandles))}}
	st.patternCheck, st.patternWait = st.checkPattern, patternRetryWait
	if cfg.Alerter != nil {
		st.alerter.Store(&alerterBox{cfg.Alerter})
	}
	st.handleKeys = cfg.HandleKeys
	if st.handleKeys == nil {
		st.handleKeys = handleKeysFrom(st.hasher.keys)
	}
	st.cfg.Patterns = cfg.Patterns.withDefaults()
	st.routine = newRoutineGate(cfg.RoutineInFlight, cfg.RoutineWait, cfg.Now)
	return st, nil
}

type alerterBox struct{ a Alerter }

// UseAlerter sets the alert engine. Call it during wiring, before serving.
func (s *Store) UseAlerter(a Alerter) { s.alerter.Store(&alerterBox{a}) }

// alerts returns the alert engine, or an error when none is wired: an
// urgent report must never be stored without one.
func (s *Store) alerts() (Alerter, error) {
	b := s.alerter.Load()
	if b == nil || b.a == nil {
		return nil, errors.New("reports: no alert engine wired; urgent reports cannot be taken")
	}
	return b.a, nil
}

// conflict is a Conflict whose explanation is safe to show the client.
func conflict(detail string) error { return &errkind.ExplainedConflict{Pkg: "reports", Detail: detail} }

func isNilPointer(v any) bool {
	k, ok := v.(*fieldcrypt.Keys)
	return ok && k == nil
}

// Indexes are the MongoDB indexes of the reports domain. The embedded store
// ignores them (it only indexes _id); on MongoDB they serve the queue and
// the retention sweeper.
func Indexes() []database.Index {
	return append([]database.Index{
		{Collection: collCases, Name: "queue", Keys: bson.D{{Key: "forceId", Value: 1}, {Key: "urgent", Value: -1}, {Key: "createdAt", Value: 1}, {Key: "_id", Value: 1}}},
		{Collection: collQueue, Name: "force", Keys: bson.D{{Key: "forceId", Value: 1}, {Key: "urgent", Value: -1}, {Key: "createdAt", Value: 1}}},
		{Collection: collUnacked, Name: "force", Keys: bson.D{{Key: "forceId", Value: 1}}},
		{Collection: collCases, Name: "retention", Keys: bson.D{{Key: "status", Value: 1}, {Key: "closedAt", Value: 1}}},
		{Collection: collSessions, Name: "expiry", Keys: bson.D{{Key: "expiresAt", Value: 1}}},
		{Collection: collIdempotency, Name: "expiry", Keys: bson.D{{Key: "expiresAt", Value: 1}}},
		{Collection: collSchoolConcerns, Name: "school", Keys: bson.D{{Key: "schoolId", Value: 1}, {Key: "createdAt", Value: -1}, {Key: "_id", Value: -1}}},
		{Collection: collSchoolConcerns, Name: "raiser", Keys: bson.D{{Key: "schoolId", Value: 1}, {Key: "raisedBy", Value: 1}, {Key: "createdAt", Value: -1}, {Key: "_id", Value: -1}}},
		{Collection: collLeases, Name: "at", Keys: bson.D{{Key: "at", Value: 1}}},
	}, append(handleIndexes(), database.Collections(collAlertStates, collCaseEvents, collHandleProgress, collHolds,
		collQueueChanges, collThreads, collRefs)...)...)
}

func (s *Store) lock(caseID string) func() {
	h := fnv.New32a()
	_, _ = h.Write([]byte(caseID))
	m := &s.locks[h.Sum32()%uint32(len(s.locks))]
	m.Lock()
	return m.Unlock
}

func (s *Store) coll(name string) *mongo.Collection { return s.db.Collection(name) }

// dbErr wraps a database failure; the error handler answers 500 and logs the
// cause. Driver errors name ids at most, never document contents.
func dbErr(op string, err error) error {
	return fmt.Errorf("reports: %s: %w", op, err)
}

// wrapDB is dbErr for an err that may be nil (then nil).
func wrapDB(op string, err error) error {
	if err == nil {
		return nil
	}
	return dbErr(op, err)
}

// errNotStored is the not-found answer of reads where a missing document
// is a normal state (the end of a chain, a case with no thread yet).
var errNotStored = errors.New("reports: not stored")
