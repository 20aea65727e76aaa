package accounts

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"speaksafe/errkind"
)

// Token lifetimes and names. Access tokens are short so that what the token
// version does not catch (nothing, today) expires soon anyway.
const (
	AccessTTL      = 15 * time.Minute
	enrolTTL       = 10 * time.Minute
	tokenIssuer    = "speaksafe"
	audienceAccess = "speaksafe-staff"
	audienceEnrol  = "speaksafe-mfa-enrolment"
	tokenLeeway    = 30 * time.Second
)

// tokenClaims are the claims of SpeakSafe's JWTs. tv is the user's token
// version when the token was issued.
type tokenClaims struct {
	jwt.RegisteredClaims
	TokenVersion int64 `json:"tv"`
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

// IssueAccess returns an access token for u, valid for AccessTTL.
func (t *Tokens) IssueAccess(u User) (string, error) {
	return t.issue(u, audienceAccess, AccessTTL)
}

// issueEnrolment returns a token that only lets u enrol TOTP, for a user
// whose role requires MFA and who has none yet. Its audience differs, so
// it is never accepted as an access token.
func (t *Tokens) issueEnrolment(u User) (string, error) {
	return t.issue(u, audienceEnrol, enrolTTL)
}

func (t *Tokens) issue(u User, aud string, ttl time.Duration) (string, error) {
	now := t.now()
	claims := tokenClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    tokenIssuer,
			Subject:   u.ID,
			Audience:  jwt.ClaimStrings{aud},
			IssuedAt:  jwt.NewNumericDate(now),
			NotBefore: jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(ttl)),
			ID:        newID(),
		},
		TokenVersion: u.TokenVersion,
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
	return t.parse(token, audienceAccess)
}

func (t *Tokens) parseEnrolment(token string) (string, int64, error) {
	return t.parse(token, audienceEnrol)
}

var errUnknownKid = errors.New("unknown key id")

func (t *Tokens) parse(token, aud string) (string, int64, error) {
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
		return "", 0, fmt.Errorf("accounts: token: %w", errors.Join(errkind.Unauthorized, err))
	}
	if claims.Subject == "" || claims.IssuedAt == nil ||
		claims.ExpiresAt.Sub(claims.IssuedAt.Time) > AccessTTL {
		return "", 0, fmt.Errorf("accounts: token: bad claims: %w", errkind.Unauthorized)
	}
	return claims.Subject, claims.TokenVersion, nil
}
