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
	inv, err := database.FindByID[invite](ctx, s.db.Collection(colInvites), secretID(secret), errBadInvite)
	if err != nil {
		return User{}, err
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
	if err := s.record(ctx, audit.Entry{Actor: u.ID, Action: "user.password_set", ObjectType: "user", ObjectID: u.ID}); err != nil {
		return err
	}
	_, err := s.db.Collection(colUsers).UpdateOne(ctx, bson.D{{Key: "_id", Value: u.ID}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "passwordHash", Value: hash},
			{Key: "updatedAt", Value: s.now().UTC().Truncate(time.Millisecond)}}},
			{Key: "$inc", Value: bson.D{{Key: "tokenVersion", Value: 1}}}})
	if err != nil {
		return fmt.Errorf("accounts: set password: %w", err)
	}
	return nil
}

// ReissueInvite gives user id a new one-time set-password token, shown
// once, and voids the user's earlier invites. A user the caller cannot see
// is NotFound; one they may not manage (mayManage) is Forbidden.
//
// For a user who never set a password it resends the invite. For an active
// account it is a password reset (SECURITY 26), which only a role with the
// reset right (an admin) may do: the password stops working, every refresh
// family and live access token dies, the user's push devices are
// forgotten, and the reset is audited.
func (s *Store) ReissueInvite(ctx context.Context, id string) (string, error) {
	c, err := RequireCaller(ctx)
	if err != nil {
		return "", err
	}
	u, err := s.GetUser(ctx, id)
	if err != nil {
		return "", err
	}
	if err := mayManage(c, u); err != nil {
		return "", err
	}
	active := u.PasswordHash != ""
	switch {
	case active && !c.Role.Has(RightResetAccounts):
		return "", fmt.Errorf("accounts: reset of an active account: %w", errkind.Forbidden)
	case u.ID == c.UserID:
		return "", errkind.Invalid("id", "you cannot re-invite yourself")
	case u.Disabled:
		return "", fmt.Errorf("accounts: reissue invite for a disabled user: %w", errkind.Conflict)
	}
	action := "user.invite_reissued"
	if active {
		action = "user.password_reset"
	}
	if err := s.record(ctx, audit.Entry{Action: action, ObjectType: "user", ObjectID: u.ID}); err != nil {
		return "", err
	}
	if active {
		if err := s.resetCredentials(ctx, u.ID); err != nil {
			return "", err
		}
	}
	if _, err := s.db.Collection(colInvites).DeleteMany(ctx, bson.D{{Key: "userId", Value: u.ID}}); err != nil {
		return "", fmt.Errorf("accounts: void invites: %w", err)
	}
	tok, err := s.newInvite(ctx, u.ID)
	if err != nil {
		return "", err
	}
	return tok, nil
}

// resetCredentials removes user id's password and kills everything that
// signs them in or pages them: token version, refresh families, devices.
func (s *Store) resetCredentials(ctx context.Context, id string) error {
	_, err := s.db.Collection(colUsers).UpdateOne(ctx, bson.D{{Key: "_id", Value: id}},
		bson.D{{Key: "$unset", Value: bson.D{{Key: "passwordHash", Value: ""}}},
			{Key: "$set", Value: bson.D{{Key: "updatedAt", Value: s.now().UTC().Truncate(time.Millisecond)}}},
			{Key: "$inc", Value: bson.D{{Key: "tokenVersion", Value: 1}}}})
	if err != nil {
		return fmt.Errorf("accounts: reset password %s: %w", id, err)
	}
	return s.revokeSessions(ctx, id)
}

// revokeSessions revokes every refresh family of user id and forgets their
// push devices. The caller has already bumped the token version.
func (s *Store) revokeSessions(ctx context.Context, id string) error {
	if err := s.revokeUserFamilies(ctx, id); err != nil {
		return err
	}
	if s.devices == nil {
		return nil
	}
	if err := s.devices.RevokeDevices(ctx, id); err != nil {
		return fmt.Errorf("accounts: revoke devices of %s: %w", id, err)
	}
	return nil
}
