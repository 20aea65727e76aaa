package accounts

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"speaksafe/database"
	"speaksafe/errkind"
)

// Token lifetimes and names. Access tokens are short so that what the token
// version and the family check do not catch (nothing, today) expires soon
// anyway.
const (
	AccessTTL      = 15 * time.Minute
	enrolTTL       = 10 * time.Minute
	tokenIssuer    = "speaksafe"
	audienceAccess = "speaksafe-staff"
	audienceEnrol  = "speaksafe-mfa-enrolment"
	tokenLeeway    = 30 * time.Second
)

// tokenClaims are the claims of SpeakSafe's JWTs. tv is the user's token
// version when the token was issued; fid the refresh family (sign-in) an
// access token was issued from, so that revoking the family kills it.
// The json names are the signed token format: tokens issued earlier must
// still parse, so they never change.
type tokenClaims struct {
	jwt.RegisteredClaims
	TokenVersion int64  `json:"tv"`
	FamilyID     string `json:"fid,omitempty"`
}

// AccessClaims are what a valid access token says.
type AccessClaims struct {
	UserID       string
	TokenVersion int64
	// FamilyID is empty only in tokens issued outside a sign-in (tests'
	// fixtures, IssueAccess); every token a sign-in or refresh answers has
	// one.
	FamilyID string
	IssuedAt time.Time
}

// Tokens issues and checks signed tokens for staff.
type Tokens struct {
	keys *SigningKeys
	now  func() time.Time
}

// NewTokens returns a Tokens signing with keys.
func NewTokens(keys *SigningKeys, now func() time.Time) *Tokens {
	if now == nil {
		now = time.Now
	}
	return &Tokens{keys: keys, now: now}
}

// IssueAccess returns an access token for u, valid for AccessTTL, bound
// to no refresh family (for fixtures and tools; sign-ins use
// issueInFamily).
func (t *Tokens) IssueAccess(u User) (string, error) {
	return t.issue(u, audienceAccess, AccessTTL, "")
}

// issueInFamily returns an access token for u issued from refresh family
// familyID: it dies when the family is revoked.
func (t *Tokens) issueInFamily(u User, familyID string) (string, error) {
	return t.issue(u, audienceAccess, AccessTTL, familyID)
}

// issueEnrolment returns a token that only lets u enrol TOTP, for a user
// whose role requires MFA and who has none yet. Its audience differs, so
// it is never accepted as an access token.
func (t *Tokens) issueEnrolment(u User) (string, error) {
	return t.issue(u, audienceEnrol, enrolTTL, "")
}

func (t *Tokens) issue(u User, aud string, ttl time.Duration, familyID string) (string, error) {
	now := t.now()
	claims := tokenClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    tokenIssuer,
			Subject:   u.ID,
			Audience:  jwt.ClaimStrings{aud},
			IssuedAt:  jwt.NewNumericDate(now),
			NotBefore: jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(ttl)),
			ID:        database.NewID(),
		},
		TokenVersion: u.TokenVersion,
		FamilyID:     familyID,
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodEdDSA, claims)
	tok.Header["kid"] = t.keys.CurrentKeyID()
	s, err := tok.SignedString(t.keys.private)
	if err != nil {
		return "", fmt.Errorf("accounts: sign token: %w", err)
	}
	return s, nil
}

// ParseAccess checks an access token: EdDSA only, a configured kid,
// issuer, audience, required expiry (30 s leeway). It answers the user id
// and token version, or an Unauthorized error.
func (t *Tokens) ParseAccess(token string) (userID string, version int64, err error) {
	c, err := t.parse(token, audienceAccess)
	return c.UserID, c.TokenVersion, err
}

// parseAccessClaims is ParseAccess with the refresh family.
func (t *Tokens) parseAccessClaims(token string) (AccessClaims, error) {
	return t.parse(token, audienceAccess)
}

func (t *Tokens) parseEnrolment(token string) (string, int64, error) {
	c, err := t.parse(token, audienceEnrol)
	return c.UserID, c.TokenVersion, err
}

var errUnknownKid = errors.New("unknown key id")

func (t *Tokens) parse(token, aud string) (AccessClaims, error) {
	var claims tokenClaims
	_, err := jwt.ParseWithClaims(token, &claims, func(tok *jwt.Token) (any, error) {
		kid, _ := tok.Header["kid"].(string)
		key, ok := t.keys.PublicKey(kid)
		if !ok {
			return nil, errUnknownKid
		}
		return ed25519.PublicKey(key), nil
	},
		jwt.WithValidMethods([]string{jwt.SigningMethodEdDSA.Alg()}),
		jwt.WithIssuer(tokenIssuer),
		jwt.WithAudience(aud),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(tokenLeeway),
		jwt.WithTimeFunc(t.now),
	)
	if err != nil {
		return AccessClaims{}, fmt.Errorf("accounts: token: %w", errors.Join(errkind.Unauthorized, err))
	}
	if claims.Subject == "" || claims.IssuedAt == nil ||
		claims.ExpiresAt.Sub(claims.IssuedAt.Time) > AccessTTL {
		return AccessClaims{}, fmt.Errorf("accounts: token: bad claims: %w", errkind.Unauthorized)
	}
	return AccessClaims{UserID: claims.Subject, TokenVersion: claims.TokenVersion, FamilyID: claims.FamilyID,
		IssuedAt: claims.IssuedAt.Time}, nil
}
