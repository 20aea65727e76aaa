package accounts

import (
	"context"
	"errors"
	"fmt"

	"speaksafe/errkind"
)

// Authenticator turns a staff access token into the caller it names. It
// reads the user by _id on every request (one indexed read), so disabling
// a user or changing their role or token version takes effect on the very
// next request; and the token's refresh family by _id (a second one), so
// revoking a family (a replayed refresh token, a logout, a reset) kills
// the access tokens issued from it at once (SECURITY 29).
type Authenticator struct {
	tokens *Tokens
	store  *Store
}

// NewAuthenticator returns an Authenticator checking tokens against store.
func NewAuthenticator(tokens *Tokens, store *Store) *Authenticator {
	return &Authenticator{tokens: tokens, store: store}
}

// Authenticate returns the caller of bearer, or an Unauthorized error for a
// bad, expired or revoked token or a disabled user, or Unavailable when the
// database cannot be read.
func (a *Authenticator) Authenticate(ctx context.Context, bearer string) (Caller, error) {
	claims, err := a.tokens.parseAccessClaims(bearer)
	if err != nil {
		return Caller{}, err
	}
	u, err := a.store.LookupUser(ctx, claims.UserID)
	if errors.Is(err, errkind.NotFound) {
		return Caller{}, fmt.Errorf("accounts: token of unknown user: %w", errkind.Unauthorized)
	}
	if err != nil {
		return Caller{}, err
	}
	if u.Disabled {
		return Caller{}, fmt.Errorf("accounts: user disabled: %w", errkind.Unauthorized)
	}
	if u.TokenVersion != claims.TokenVersion {
		return Caller{}, fmt.Errorf("accounts: token revoked: %w", errkind.Unauthorized)
	}
	if claims.FamilyID != "" {
		live, err := a.store.familyLive(ctx, claims.FamilyID, u.ID)
		if err != nil {
			return Caller{}, err
		}
		if !live {
			return Caller{}, fmt.Errorf("accounts: refresh family revoked: %w", errkind.Unauthorized)
		}
	}
	return u.Caller(), nil
}
