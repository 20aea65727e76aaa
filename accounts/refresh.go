package accounts

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"speaksafe/audit"
	"speaksafe/database"
	"speaksafe/errkind"
)

// Refresh token lifetimes: each token lives a week unless rotated; a
// family (one sign-in on one device) at most thirty days.
const (
	RefreshTTL = 7 * 24 * time.Hour
	FamilyTTL  = 30 * 24 * time.Hour
)

type family struct {
	ID        string    `bson:"_id"`
	UserID    string    `bson:"userId"`
	Revoked   bool      `bson:"revoked"`
	CreatedAt time.Time `bson:"createdAt"`
	ExpiresAt time.Time `bson:"expiresAt"`
}

type refreshToken struct {
	ID        string    `bson:"_id"` // secretID of the token
	FamilyID  string    `bson:"familyId"`
	UserID    string    `bson:"userId"`
	CreatedAt time.Time `bson:"createdAt"`
	ExpiresAt time.Time `bson:"expiresAt"`
}

// newFamily starts a refresh family for userID and returns its first token
// and its id.
func (s *Store) newFamily(ctx context.Context, userID string) (string, string, error) {
	now := s.now().UTC().Truncate(time.Millisecond)
	f := family{ID: database.NewID(), UserID: userID, CreatedAt: now, ExpiresAt: now.Add(FamilyTTL)}
	if _, err := s.db.Collection(colFamilies).InsertOne(ctx, f); err != nil {
		return "", "", fmt.Errorf("accounts: refresh family: %w", err)
	}
	tok, err := s.newRefresh(ctx, f)
	return tok, f.ID, err
}

func (s *Store) newRefresh(ctx context.Context, f family) (string, error) {
	now := s.now().UTC().Truncate(time.Millisecond)
	secret := newSecret()
	exp := now.Add(RefreshTTL)
	if f.ExpiresAt.Before(exp) {
		exp = f.ExpiresAt
	}
	rt := refreshToken{ID: secretID(secret), FamilyID: f.ID, UserID: f.UserID, CreatedAt: now, ExpiresAt: exp}
	if _, err := s.db.Collection(colRefresh).InsertOne(ctx, rt); err != nil {
		return "", fmt.Errorf("accounts: refresh token: %w", err)
	}
	return secret, nil
}

var errBadRefresh = fmt.Errorf("accounts: refresh token invalid, expired or revoked: %w", errkind.Unauthorized)

// rotate spends refresh token secret and returns the user, its family's
// next token and the family id. Spending is claimed by inserting the token's id into the
// used-credentials collection; a second spend is a replay, which revokes
// the whole family (so the thief's and the owner's newer tokens both die)
// and is audited.
func (s *Store) rotate(ctx context.Context, secret string) (User, string, string, error) {
	rt, f, err := s.liveRefresh(ctx, secret)
	if err != nil {
		return User{}, "", "", err
	}
	first, err := s.spend(ctx, "refresh:"+rt.ID, f.ExpiresAt)
	if err != nil {
		return User{}, "", "", err
	}
	if !first {
		if err := s.revokeFamily(ctx, f.ID); err != nil {
			return User{}, "", "", err
		}
		s.recordRefusal(ctx, audit.Entry{Actor: rt.UserID, Action: "auth.refresh_reuse", ObjectType: "refresh_family",
			ObjectID: f.ID, Detail: map[string]string{"outcome": "family and its access tokens revoked"}})
		return User{}, "", "", errBadRefresh
	}
	u, err := s.LookupUser(ctx, rt.UserID)
	if err != nil || u.Disabled {
		return User{}, "", "", errBadRefresh
	}
	next, err := s.newRefresh(ctx, f)
	if err != nil {
		return User{}, "", "", err
	}
	return u, next, f.ID, nil
}

// liveRefresh finds an unexpired refresh token and its unrevoked family.
func (s *Store) liveRefresh(ctx context.Context, secret string) (refreshToken, family, error) {
	rt, err := database.FindByID[refreshToken](ctx, s.db.Collection(colRefresh), secretID(secret), errBadRefresh)
	if err != nil {
		return rt, family{}, err
	}
	f, err := database.FindByID[family](ctx, s.db.Collection(colFamilies), rt.FamilyID, errBadRefresh)
	if err != nil {
		return rt, f, err
	}
	now := s.now()
	if f.Revoked || !now.Before(rt.ExpiresAt) || !now.Before(f.ExpiresAt) {
		return rt, f, errBadRefresh
	}
	return rt, f, nil
}

// revokeFamily makes every token of family id useless. Setting a flag is
// enough: nothing un-revokes, so the non-atomic update cannot lose.
func (s *Store) revokeFamily(ctx context.Context, id string) error {
	_, err := s.db.Collection(colFamilies).UpdateOne(ctx, bson.D{{Key: "_id", Value: id}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "revoked", Value: true}}}})
	if err != nil {
		return fmt.Errorf("accounts: revoke refresh family: %w", err)
	}
	return nil
}

// revokeUserFamilies revokes every refresh family of user id, and with them
// the access tokens issued from them (see Authenticator).
func (s *Store) revokeUserFamilies(ctx context.Context, id string) error {
	_, err := s.db.Collection(colFamilies).UpdateMany(ctx, bson.D{{Key: "userId", Value: id}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "revoked", Value: true}}}})
	if err != nil {
		return fmt.Errorf("accounts: revoke refresh families of %s: %w", id, err)
	}
	return nil
}

// familyLive reports whether family id of user userID exists and is not
// revoked: an access token issued from it is still good.
func (s *Store) familyLive(ctx context.Context, id, userID string) (bool, error) {
	f, err := database.FindByID[family](ctx, s.db.Collection(colFamilies), id, nil)
	if err != nil {
		return false, err
	}
	return f.ID != "" && !f.Revoked && f.UserID == userID && s.now().Before(f.ExpiresAt), nil
}
