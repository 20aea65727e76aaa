package accounts

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"speaksafe/audit"
	"speaksafe/errkind"
	"speaksafe/fieldcrypt"
)

// Limiter counts attempts; ratelimit.Limiter implements it.
type Limiter interface {
	Allow(ctx context.Context, bucket, key string, max int, window time.Duration) (bool, time.Duration, error)
	// ClientKey is a keyed, daily-rotated hash; used here for addresses
	// too, so that the stored counter does not name the account.
	ClientKey(s string) string
}

// Auth signs staff in and out: passwords, second factors, token issue and
// rotation, invites and the bootstrap admin.
type Auth struct {
	store    *Store
	tokens   *Tokens
	hasher   *Hasher
	limiter  Limiter
	keys     *fieldcrypt.Keys
	mfaRoles []Role
	now      func() time.Time
	sleep    func(context.Context, time.Duration) error
	gate     gate
}

// AuthDeps are what Auth needs. MFARoles are the roles that cannot get an
// access token without a confirmed second factor.
type AuthDeps struct {
	Store    *Store
	Tokens   *Tokens
	Hasher   *Hasher
	Limiter  Limiter
	DataKeys *fieldcrypt.Keys
	MFARoles []Role
	Now      func() time.Time
	// Sleep waits out a sign-in delay (or until ctx ends); a real timer
	// when nil. Tests pass one that moves their clock instead.
	Sleep func(context.Context, time.Duration) error
}

// NewAuth returns an Auth over d.
func NewAuth(d AuthDeps) *Auth {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Sleep == nil {
		d.Sleep = sleepContext
	}
	return &Auth{store: d.Store, tokens: d.Tokens, hasher: d.Hasher, limiter: d.Limiter,
		keys: d.DataKeys, mfaRoles: d.MFARoles, now: d.Now, sleep: d.Sleep, gate: newGate(d.Hasher)}
}

// Session is what a successful sign-in or refresh answers. When the user's
// role needs MFA and none is enrolled, only EnrolmentToken is set: it lets
// the user enrol TOTP and nothing else.
type Session struct {
	AccessToken    string
	RefreshToken   string
	ExpiresIn      time.Duration
	EnrolmentToken string
}

// Credentials are what a member of staff types to sign in.
type Credentials struct {
	Email        string
	Password     string
	TOTPCode     string
	RecoveryCode string
	// Client is the keyed hash of the client's address (never the
	// address): sign-in failures are refused per client only.
	Client string
}

// errLogin is the one answer to every failed sign-in, whatever the cause:
// unknown address, wrong password, no password yet, disabled, wrong code.
var errLogin = fmt.Errorf("accounts: sign-in failed: %w", errkind.Unauthorized)

// Login checks credentials and starts a session. Every failure answers the
// same error after the same work (an Argon2id verification), so a caller
// cannot tell unknown accounts from wrong passwords.
func (a *Auth) Login(ctx context.Context, cr Credentials) (Session, error) {
	email := NormaliseEmail(cr.Email)
	if err := a.guard(ctx, email, cr.Client); err != nil {
		return Session{}, err
	}
	leave, err := a.gate.enter(ctx)
	if err != nil {
		return Session{}, err
	}
	defer leave()
	u, err := a.store.UserByEmail(ctx, email)
	if err != nil && !errors.Is(err, errkind.NotFound) {
		return Session{}, err
	}
	ok, verr := a.hasher.Verify(ctx, cr.Password, u.PasswordHash)
	if verr != nil {
		return Session{}, verr
	}
	if err != nil || !ok || u.Disabled {
		n := a.countFailure(ctx, email, u.ID)
		a.auditFailure(ctx, email, u.ID, n)
		return Session{}, errLogin
	}
	a.summariseFailures(ctx, email)
	if u.MFAEnrolled() {
		if err := a.secondFactor(ctx, u, cr); err != nil {
			return Session{}, err
		}
	} else if slices.Contains(a.mfaRoles, u.Role) {
		tok, err := a.tokens.issueEnrolment(u)
		if err != nil {
			return Session{}, err
		}
		return Session{EnrolmentToken: tok}, nil
	}
	return a.start(ctx, u)
}

func (a *Auth) secondFactor(ctx context.Context, u User, cr Credentials) error {
	var ok bool
	var err error
	switch {
	case cr.TOTPCode != "":
		ok, err = a.checkTOTP(ctx, u, cr.TOTPCode)
	case cr.RecoveryCode != "":
		ok, err = a.useRecoveryCode(ctx, u, cr.RecoveryCode)
	default:
		// The password was right and the account has a second factor:
		// the app asks for the code and tries again.
		return errkind.Invalid("totpCode", "this account needs a TOTP code or a recovery code")
	}
	if err != nil {
		return err
	}
	if !ok {
		a.noteFailure(ctx, u.Email)
		a.store.recordRefusal(ctx, audit.Entry{Actor: u.ID, Action: "auth.mfa_failed", ObjectType: "user", ObjectID: u.ID})
		return errLogin
	}
	return nil
}

// start opens a new refresh family for u and issues its first tokens.
func (a *Auth) start(ctx context.Context, u User) (Session, error) {
	if err := a.store.record(ctx, audit.Entry{Actor: u.ID, Action: "auth.login", ObjectType: "user", ObjectID: u.ID}); err != nil {
		return Session{}, err
	}
	refresh, fid, err := a.store.newFamily(ctx, u.ID)
	if err != nil {
		return Session{}, err
	}
	access, err := a.tokens.issueInFamily(u, fid)
	if err != nil {
		return Session{}, err
	}
	return Session{AccessToken: access, RefreshToken: refresh, ExpiresIn: AccessTTL}, nil
}

// Refresh spends refresh token secret and answers the next pair. Replaying
// a spent token revokes its family.
func (a *Auth) Refresh(ctx context.Context, secret string) (Session, error) {
	u, next, fid, err := a.store.rotate(ctx, secret)
	if err != nil {
		return Session{}, err
	}
	access, err := a.tokens.issueInFamily(u, fid)
	if err != nil {
		return Session{}, err
	}
	return Session{AccessToken: access, RefreshToken: next, ExpiresIn: AccessTTL}, nil
}

// Logout revokes the family of refresh token secret and kills the user's
// live access tokens (token version). An unknown or dead token is not an
// error: the client is signed out either way.
func (a *Auth) Logout(ctx context.Context, secret string) error {
	rt, f, err := a.store.liveRefresh(ctx, secret)
	if errors.Is(err, errkind.Unauthorized) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := a.store.revokeFamily(ctx, f.ID); err != nil {
		return err
	}
	if err := a.store.bumpTokenVersion(ctx, rt.UserID); err != nil {
		return err
	}
	// Signing out is not held back by the audit log: access is taken away
	// first, and an entry that cannot be written is the answer after it.
	return a.store.record(context.WithoutCancel(ctx), audit.Entry{Actor: rt.UserID, Action: "auth.logout", ObjectType: "refresh_family", ObjectID: f.ID})
}

// AcceptInvite sets the invited user's first password.
func (a *Auth) AcceptInvite(ctx context.Context, token, password string) error {
	if err := ValidatePassword("password", password); err != nil {
		return err
	}
	// Hash before spending, so that a busy hasher (429) does not cost the
	// invite.
	hash, err := a.hasher.Hash(ctx, password)
	if err != nil {
		return err
	}
	u, err := a.store.spendInvite(ctx, token)
	if err != nil {
		return err
	}
	return a.store.setPassword(ctx, u, hash)
}

// EnrolmentUser returns the user an enrolment token was issued to, if the
// token is valid and the user still needs to enrol.
func (a *Auth) EnrolmentUser(ctx context.Context, token string) (User, error) {
	id, version, err := a.tokens.parseEnrolment(token)
	if err != nil {
		return User{}, err
	}
	u, err := a.store.LookupUser(ctx, id)
	if err != nil || u.Disabled || u.TokenVersion != version || u.MFAEnrolled() {
		return User{}, fmt.Errorf("accounts: enrolment token: %w", errkind.Unauthorized)
	}
	return u, nil
}

// FinishEnrolment confirms TOTP for the holder of an enrolment token and
// starts their session: the recovery codes and the first tokens.
func (a *Auth) FinishEnrolment(ctx context.Context, token, code string) ([]string, Session, error) {
	u, err := a.EnrolmentUser(ctx, token)
	if err != nil {
		return nil, Session{}, err
	}
	codes, err := a.ConfirmTOTP(ctx, u.ID, code)
	if err != nil {
		return nil, Session{}, err
	}
	s, err := a.start(ctx, u)
	return codes, s, err
}
