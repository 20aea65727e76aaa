package accounts

import (
	"context"
	"fmt"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"speaksafe/audit"
	"speaksafe/errkind"
)

// StepUpTTL is how long a step-up (a fresh proof of the password, and of
// the second factor when enrolled) lets its holder change their MFA.
const StepUpTTL = 5 * time.Minute

const audienceStepUp = "speaksafe-step-up"

// StepUp checks the signed-in user's password (and second factor, when
// enrolled) again and answers a token, valid for StepUpTTL, that MFA
// changes require: a stolen access token alone cannot enrol, replace or
// remove a second factor. Attempts are throttled as sign-ins are; both
// outcomes are audited.
func (a *Auth) StepUp(ctx context.Context, userID string, cr Credentials) (string, error) {
	u, err := a.store.LookupUser(ctx, userID)
	if err != nil {
		return "", err
	}
	if err := a.guard(ctx, u.Email, cr.Client); err != nil {
		return "", err
	}
	ok, err := a.hasher.Verify(ctx, cr.Password, u.PasswordHash)
	if err != nil {
		return "", err
	}
	if ok && u.MFAEnrolled() {
		if err := a.secondFactor(ctx, u, cr); err != nil {
			return "", err
		}
	}
	if !ok {
		a.noteFailure(ctx, u.Email)
		a.store.recordRefusal(ctx, audit.Entry{Actor: u.ID, Action: "auth.step_up_failed", ObjectType: "user", ObjectID: u.ID})
		return "", errkind.Invalid("password", "is not the password of this account")
	}
	if err := a.store.record(ctx, audit.Entry{Actor: u.ID, Action: "auth.step_up", ObjectType: "user", ObjectID: u.ID}); err != nil {
		return "", err
	}
	return a.tokens.issue(u, audienceStepUp, StepUpTTL, "")
}

// RequireStepUp returns nil when token is a live step-up of user userID
// (issued within StepUpTTL, since their token version last changed), and
// a field error naming stepUpToken otherwise.
func (a *Auth) RequireStepUp(ctx context.Context, userID, token string) error {
	bad := errkind.Invalid("stepUpToken", "confirm your password first (POST /v1/me/step-up); it is valid for 5 minutes")
	if token == "" {
		return bad
	}
	c, err := a.tokens.parse(token, audienceStepUp)
	// The issue time, not only the expiry (which has leeway for clock
	// skew), bounds the step-up to StepUpTTL.
	if err != nil || c.UserID != userID || a.now().Sub(c.IssuedAt) > StepUpTTL {
		return bad
	}
	u, err := a.store.LookupUser(ctx, userID)
	if err != nil {
		return err
	}
	if u.TokenVersion != c.TokenVersion {
		return bad
	}
	return nil
}

// DisableTOTP removes the signed-in user's second factor. Roles that must
// use MFA cannot (an admin resets it instead), so that a session cannot
// quietly drop below what its role requires.
func (a *Auth) DisableTOTP(ctx context.Context, userID string) error {
	u, err := a.store.LookupUser(ctx, userID)
	if err != nil {
		return err
	}
	if !u.MFAEnrolled() {
		return fmt.Errorf("accounts: no TOTP enrolled: %w", errkind.Conflict)
	}
	if slices.Contains(a.mfaRoles, u.Role) {
		return fmt.Errorf("accounts: role %s requires MFA: %w", u.Role, errkind.Conflict)
	}
	if err := a.store.record(ctx, audit.Entry{Actor: u.ID, Action: "user.mfa_disabled", ObjectType: "user", ObjectID: u.ID}); err != nil {
		return err
	}
	return a.store.unsetTOTP(ctx, u.ID, false)
}

// RegenerateRecoveryCodes replaces the signed-in user's recovery codes with
// ten new ones, shown once; the old ones stop working.
func (a *Auth) RegenerateRecoveryCodes(ctx context.Context, userID string) ([]string, error) {
	u, err := a.store.LookupUser(ctx, userID)
	if err != nil {
		return nil, err
	}
	if !u.MFAEnrolled() {
		return nil, fmt.Errorf("accounts: no TOTP enrolled: %w", errkind.Conflict)
	}
	if err := a.store.record(ctx, audit.Entry{Actor: u.ID, Action: "user.recovery_codes_regenerated", ObjectType: "user", ObjectID: u.ID}); err != nil {
		return nil, err
	}
	codes, hashes := newRecoveryCodes()
	_, err = a.store.db.Collection(colUsers).UpdateOne(ctx, bson.D{{Key: "_id", Value: u.ID}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "totp.recoveryHashes", Value: hashes},
			{Key: "totp.updatedAt", Value: a.now().UTC().Truncate(time.Millisecond)}}}})
	if err != nil {
		return nil, fmt.Errorf("accounts: recovery codes: %w", err)
	}
	return codes, nil
}

// ResetMFA removes user id's second factor for someone who lost it. Only a
// role with the reset right (an admin) may, for a user it may manage; a
// user the caller cannot see is NotFound. Every token of the user dies
// (token version, refresh families) and their devices are forgotten: the
// next sign-in starts over, with enrolment where the role requires it.
func (s *Store) ResetMFA(ctx context.Context, id string) error {
	c, err := RequireCaller(ctx)
	if err != nil {
		return err
	}
	u, err := s.GetUser(ctx, id)
	if err != nil {
		return err
	}
	if err := mayManage(c, u); err != nil {
		return err
	}
	if !c.Role.Has(RightResetAccounts) {
		return fmt.Errorf("accounts: reset MFA: %w", errkind.Forbidden)
	}
	if err := s.record(ctx, audit.Entry{Action: "user.mfa_reset", ObjectType: "user", ObjectID: u.ID}); err != nil {
		return err
	}
	if err := s.unsetTOTP(ctx, u.ID, true); err != nil {
		return err
	}
	return s.revokeSessions(ctx, u.ID)
}

// unsetTOTP removes user id's second factor, bumping the token version
// when kill is set.
func (s *Store) unsetTOTP(ctx context.Context, id string, kill bool) error {
	update := bson.D{{Key: "$unset", Value: bson.D{{Key: "totp", Value: ""}}},
		{Key: "$set", Value: bson.D{{Key: "updatedAt", Value: s.now().UTC().Truncate(time.Millisecond)}}}}
	if kill {
		update = append(update, bson.E{Key: "$inc", Value: bson.D{{Key: "tokenVersion", Value: 1}}})
	}
	if _, err := s.db.Collection(colUsers).UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, update); err != nil {
		return fmt.Errorf("accounts: remove TOTP of %s: %w", id, err)
	}
	return nil
}
