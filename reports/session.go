package reports

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"time"

	"speaksafe/database"
	"speaksafe/errkind"
)

// Receipt guesses are throttled per client, never per reference: a
// 77-bit receipt needs no lock on its case, and such a lock would let
// strangers lock a child out of their own case. Only wrong answers count
// (a class behind one school address opening their own cases uses none),
// and every attempt counts towards a larger cap that bounds bursts. When
// wrong answers flood in from everywhere, each client's allowance shrinks;
// a client that has not guessed still gets its tries, so the correct
// receipt from the child's own phone always opens the case.
const (
	wrongReceiptsPerClient      = 10
	wrongReceiptsPerClientFlood = 3
	sessionAttemptsPerClient    = 60
	guessWindow                 = 15 * time.Minute
	// wrongReceiptsFlood is the number of wrong answers from all clients
	// in one window above which the flood allowance applies.
	wrongReceiptsFlood = 500

	bucketSessionAttempts = "reporter-session-attempts"
	bucketWrongReceipts   = "reporter-session-wrong"
	bucketWrongAll        = "reporter-session-wrong-all"
)

// GuessLimitDetail is what a child is told when their connection has made
// too many wrong tries.
const GuessLimitDetail = "There have been too many tries from this connection. Please wait a little and try again, " +
	"and check the reference and receipt you wrote down. If you are in danger now, call 999. " +
	"You can talk to Childline for free at any time on 0800 1111."

// Session is a reporter's short-lived access to their one case.
type Session struct {
	Token     string
	ExpiresAt time.Time
}

type sessionDoc struct {
	ID        string    `bson:"_id"` // hash of the token
	CaseID    string    `bson:"caseId"`
	CreatedAt time.Time `bson:"createdAt"`
	ExpiresAt time.Time `bson:"expiresAt"`
}

type reporterCaseKey struct{}

// WithReporterCase returns ctx carrying the case a reporter session is
// scoped to.
func WithReporterCase(ctx context.Context, caseID string) context.Context {
	return context.WithValue(ctx, reporterCaseKey{}, caseID)
}

// ReporterCaseFrom returns the case of the reporter session in ctx.
func ReporterCaseFrom(ctx context.Context) (string, bool) {
	id, ok := ctx.Value(reporterCaseKey{}).(string)
	return id, ok && id != ""
}

// errBadCredentials is the one answer for an unknown reference, a wrong
// receipt or a malformed one.
var errBadCredentials = fmt.Errorf("reports: reference or receipt not recognised: %w", errkind.Unauthorized)

// OpenSession checks reference and receipt and opens a session on that
// case. client is the keyed hash of the caller's network address (empty
// for internal callers: no throttle). Unknown references, wrong and
// malformed receipts all answer the same and cost the same (an HMAC under a
// dummy key is computed when there is nothing to compare with).
func (s *Store) OpenSession(ctx context.Context, reference, receipt, client string) (Session, error) {
	if err := s.throttleGuesses(ctx, client); err != nil {
		return Session{}, err
	}
	ref, refOK := ParseReference(reference)
	rc, rcOK := ParseReceipt(receipt)
	var stored *refDoc
	if refOK && rcOK {
		d, err := database.FindByID[refDoc](ctx, s.coll(collRefs), ref, nil)
		if err != nil {
			return Session{}, dbErr("load reference", err)
		}
		if d.ID != "" {
			stored = &d
		}
	}
	var h *receiptHash
	if stored != nil {
		h = &stored.Receipt
	}
	if h != nil && !s.hasher.knowsKey(h) {
		s.log.WarnContext(ctx, "a receipt hash names a key or scheme this instance does not hold", "kid", h.KeyID, "alg", h.Scheme)
	}
	match, err := s.hasher.verify(ctx, ref, rc, h)
	if err != nil {
		return Session{}, err
	}
	if !match || !refOK || !rcOK {
		s.countWrongReceipt(ctx, client)
		return Session{}, errBadCredentials
	}
	return s.newSession(ctx, stored.CaseID)
}

// throttleGuesses refuses client when it has used up its attempts or its
// wrong answers. Other clients' guesses never count against it.
func (s *Store) throttleGuesses(ctx context.Context, client string) error {
	if client == "" {
		return nil
	}
	lim := s.cfg.Limiter
	ok, retry, err := lim.Allow(ctx, bucketSessionAttempts, client, sessionAttemptsPerClient, guessWindow)
	if err != nil {
		return fmt.Errorf("reports: rate limit: %w", err)
	}
	if !ok {
		return &errkind.RateLimited{RetryAfter: retry, Detail: GuessLimitDetail}
	}
	allowance := wrongReceiptsPerClient
	if flood, _, err := lim.Exceeded(ctx, bucketWrongAll, "all", wrongReceiptsFlood, guessWindow); err != nil {
		return fmt.Errorf("reports: rate limit: %w", err)
	} else if flood {
		allowance = wrongReceiptsPerClientFlood
	}
	over, retry, err := lim.Exceeded(ctx, bucketWrongReceipts, client, allowance, guessWindow)
	if err != nil {
		return fmt.Errorf("reports: rate limit: %w", err)
	}
	if over {
		return &errkind.RateLimited{RetryAfter: retry, Detail: GuessLimitDetail}
	}
	return nil
}

// countWrongReceipt counts a wrong answer of client and of everyone. A
// failure to count is logged: the answer is a 401 either way.
func (s *Store) countWrongReceipt(ctx context.Context, client string) {
	if client == "" {
		return
	}
	for _, k := range [][2]string{{bucketWrongReceipts, client}, {bucketWrongAll, "all"}} {
		if _, _, err := s.cfg.Limiter.Allow(ctx, k[0], k[1], 1<<30, guessWindow); err != nil {
			s.log.WarnContext(ctx, "could not count a wrong receipt", "error", err)
		}
	}
}

func (s *Store) newSession(ctx context.Context, caseID string) (Session, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return Session{}, fmt.Errorf("reports: session token: %w", err)
	}
	token := base64.RawURLEncoding.EncodeToString(b)
	now := s.now().UTC()
	doc := sessionDoc{ID: sessionID(token), CaseID: caseID, CreatedAt: now, ExpiresAt: now.Add(s.cfg.SessionTTL)}
	if _, err := s.coll(collSessions).InsertOne(ctx, doc); err != nil {
		return Session{}, dbErr("insert session", err)
	}
	return Session{Token: token, ExpiresAt: doc.ExpiresAt}, nil
}

// AuthenticateReporter turns a session token into a context scoped to the
// session's case (for the Reporter() route policy).
func (s *Store) AuthenticateReporter(ctx context.Context, bearer string) (context.Context, error) {
	if len(bearer) != 43 {
		return nil, fmt.Errorf("reports: session: %w", errkind.Unauthorized)
	}
	d, err := database.FindByID[sessionDoc](ctx, s.coll(collSessions), sessionID(bearer),
		fmt.Errorf("reports: session: %w", errkind.Unauthorized))
	if err != nil {
		return nil, err
	}
	if !s.now().Before(d.ExpiresAt) {
		return nil, fmt.Errorf("reports: session expired: %w", errkind.Unauthorized)
	}
	return WithReporterCase(ctx, d.CaseID), nil
}

func sessionID(token string) string {
	sum := sha256.Sum256([]byte("speaksafe/reports/session\x00" + token))
	return hex.EncodeToString(sum[:])
}
