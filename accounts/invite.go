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

// InviteTTL is how long a new user has to set their password.
const InviteTTL = 72 * time.Hour

type invite struct {
	ID        string    `bson:"_id"` // secretID of the token
	UserID    string    `bson:"userId"`
	CreatedAt time.Time `bson:"createdAt"`
	ExpiresAt time.Time `bson:"expiresAt"`
}

// newInvite stores a one-time set-password token for userID and returns it.
func (s *Store) newInvite(ctx context.Context, userID string) (string, error) {
	now := s.now().UTC().Truncate(time.Millisecond)
	secret := newSecret()
	inv := invite{ID: secretID(secret), UserID: userID, CreatedAt: now, ExpiresAt: now.Add(InviteTTL)}
	if _, err := s.db.Collection(colInvites).InsertOne(ctx, inv); err != nil {
		return "", fmt.Errorf("accounts: invite: %w", err)
	}
	return secret, nil
}

var errBadInvite = fmt.Errorf("accounts: invite invalid, used or expired: %w", errkind.Unauthorized)

// spendInvite checks invite token secret and marks it used; a second use,
// even a concurrent one, fails.
func (s *Store) spendInvite(ctx context.Context, secret string) (User, error) {
	var inv invite
	err := s.db.Collection(colInvites).FindOne(ctx, bson.D{{Key: "_id", Value: secretID(secret)}}).Decode(&inv)
	if database.IsNotFound(err) {
		return User{}, errBadInvite
	}
	if err != nil {
		return User{}, fmt.Errorf("accounts: invite: %w", errkind.Unavailable)
	}
	if !s.now().Before(inv.ExpiresAt) {
		return User{}, errBadInvite
	}
	u, err := s.LookupUser(ctx, inv.UserID)
	if err != nil || u.Disabled {
		return User{}, errBadInvite
	}
	first, err := s.spend(ctx, "invite:"+inv.ID, inv.ExpiresAt)
	if err != nil {
		return User{}, err
	}
	if !first {
		return User{}, errBadInvite
	}
	_, _ = s.db.Collection(colInvites).DeleteOne(ctx, bson.D{{Key: "_id", Value: inv.ID}})
	return u, nil
}

// setPassword stores hash as u's password and kills u's live tokens.
func (s *Store) setPassword(ctx context.Context, u User, hash string) error {
	_, err := s.db.Collection(colUsers).UpdateOne(ctx, bson.D{{Key: "_id", Value: u.ID}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "passwordHash", Value: hash},
			{Key: "updatedAt", Value: s.now().UTC().Truncate(time.Millisecond)}}},
			{Key: "$inc", Value: bson.D{{Key: "tokenVersion", Value: 1}}}})
	if err != nil {
		return fmt.Errorf("accounts: set password: %w", err)
	}
	s.record(ctx, audit.Entry{Actor: u.ID, Action: "user.password_set", ObjectType: "user", ObjectID: u.ID})
	return nil
}

// ReissueInvite gives user id a new one-time set-password token: for an
// invite that expired, or a member of staff who forgot their password. The
// caller must be able to manage the user (as for UpdateUser). Earlier
// invites stay valid until they expire; the password in use (if any) keeps
// working until the new one is set, which then kills every live token.
func (s *Store) ReissueInvite(ctx context.Context, id string) (string, error) {
	c, _ := CallerFrom(ctx)
	u, err := s.GetUser(ctx, id)
	if err != nil {
		return "", err
	}
	switch {
	case c.Role != RoleAdmin && c.Role != RoleSafeguardingLead:
		return "", fmt.Errorf("accounts: reissue invite: %w", errkind.Forbidden)
	case c.Role != RoleAdmin && u.Role == RoleAdmin:
		return "", fmt.Errorf("accounts: reissue invite for an admin: %w", errkind.Forbidden)
	case u.Disabled:
		return "", fmt.Errorf("accounts: reissue invite for a disabled user: %w", errkind.Conflict)
	}
	tok, err := s.newInvite(ctx, u.ID)
	if err != nil {
		return "", err
	}
	s.record(ctx, audit.Entry{Action: "user.invite_reissued", ObjectType: "user", ObjectID: u.ID})
	return tok, nil
}
