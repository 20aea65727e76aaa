package reports

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"speaksafe/database"
	"speaksafe/errkind"
)

// Guess limits per reference. Receipts carry 77 bits, so this is not what
// stops brute force (the slow hash and the per-client limit are); it stops
// a stranger who learnt a reference from hammering that one case, while
// leaving the child room for typos.
const (
	guessesPerReference = 20
	guessWindow         = time.Hour
)

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
// case. Unknown references, wrong and malformed receipts all answer the same
// and cost the same (a dummy hash is computed when there is nothing to
// compare with).
func (s *Store) OpenSession(ctx context.Context, reference, receipt string) (Session, error) {
	ref, refOK := ParseReference(reference)
	rc, rcOK := ParseReceipt(receipt)
	if refOK {
		sum := sha256.Sum256([]byte("speaksafe/reports/ref\x00" + ref))
		ok, retry, err := s.cfg.Limiter.Allow(ctx, "reporter-session-reference", hex.EncodeToString(sum[:]), guessesPerReference, guessWindow)
		if err != nil {
			return Session{}, fmt.Errorf("reports: rate limit: %w", err)
		}
		if !ok {
			return Session{}, &errkind.RateLimited{RetryAfter: retry}
		}
	}
	var stored *refDoc
	if refOK && rcOK {
		var d refDoc
		err := s.coll(collRefs).FindOne(ctx, bson.D{{Key: "_id", Value: ref}}).Decode(&d)
		switch {
		case err == nil:
			stored = &d
		case !database.IsNotFound(err):
			return Session{}, dbErr("load reference", err)
		}
	}
	var h *receiptHash
	if stored != nil {
		h = &stored.Receipt
	}
	match, err := s.hasher.verify(ctx, rc, h)
	if err != nil {
		return Session{}, err
	}
	if !match || !refOK || !rcOK {
		return Session{}, errBadCredentials
	}
	return s.newSession(ctx, stored.CaseID)
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
	var d sessionDoc
	err := s.coll(collSessions).FindOne(ctx, bson.D{{Key: "_id", Value: sessionID(bearer)}}).Decode(&d)
	if database.IsNotFound(err) {
		return nil, fmt.Errorf("reports: session: %w", errkind.Unauthorized)
	}
	if err != nil {
		return nil, fmt.Errorf("reports: session: %w", errors.Join(errkind.Unavailable, err))
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
