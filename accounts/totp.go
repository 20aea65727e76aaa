package accounts

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base32"
	"fmt"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
	"go.mongodb.org/mongo-driver/v2/bson"

	"speaksafe/audit"
	"speaksafe/errkind"
)

// TOTPData is a user's second factor. The secret is sealed with the data
// keys (bound to the user id), so the database alone cannot mint codes.
type TOTPData struct {
	Secret    string `bson:"secret"`
	Confirmed bool   `bson:"confirmed"`
	// RecoveryHashes are secretIDs of the unused recovery codes.
	RecoveryHashes []string  `bson:"recoveryHashes,omitempty"`
	UpdatedAt      time.Time `bson:"updatedAt"`
}

const (
	totpPeriod        = 30
	recoveryCodeCount = 10
	totpField         = "totpSecret"
)

var totpOpts = totp.ValidateOpts{Period: totpPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// Enrolment is a new TOTP secret to show once, as text and as an otpauth
// URI for a QR code.
type Enrolment struct {
	Secret string
	URI    string
}

// EnrolTOTP starts TOTP enrolment for user id: a fresh secret, pending until
// ConfirmTOTP proves the user's app has it. A user who already has a
// confirmed factor gets Conflict: replacing it would let a stolen access
// token take over the account's second factor.
func (a *Auth) EnrolTOTP(ctx context.Context, id string) (Enrolment, error) {
	u, err := a.store.LookupUser(ctx, id)
	if err != nil {
		return Enrolment{}, err
	}
	if u.MFAEnrolled() {
		return Enrolment{}, fmt.Errorf("accounts: TOTP already enrolled: %w", errkind.Conflict)
	}
	key, err := totp.Generate(totp.GenerateOpts{Issuer: "SpeakSafe", AccountName: u.Email, SecretSize: 20})
	if err != nil {
		return Enrolment{}, fmt.Errorf("accounts: TOTP secret: %w", err)
	}
	sealed, err := a.keys.SealString(u.ID, totpField, key.Secret())
	if err != nil {
		return Enrolment{}, fmt.Errorf("accounts: seal TOTP secret: %w", err)
	}
	if err := a.store.record(ctx, audit.Entry{Actor: u.ID, Action: "user.mfa_enrolment_started", ObjectType: "user", ObjectID: u.ID}); err != nil {
		return Enrolment{}, err
	}
	data := TOTPData{Secret: sealed, UpdatedAt: a.now().UTC().Truncate(time.Millisecond)}
	if err := a.store.setTOTP(ctx, u.ID, data); err != nil {
		return Enrolment{}, err
	}
	return Enrolment{Secret: key.Secret(), URI: key.URL()}, nil
}

// ConfirmTOTP checks code against the pending secret of user id, makes the
// factor active and returns ten recovery codes, shown once and stored
// hashed.
func (a *Auth) ConfirmTOTP(ctx context.Context, id, code string) ([]string, error) {
	u, err := a.store.LookupUser(ctx, id)
	if err != nil {
		return nil, err
	}
	if u.TOTP == nil || u.TOTP.Confirmed {
		return nil, fmt.Errorf("accounts: no TOTP enrolment pending: %w", errkind.Conflict)
	}
	if ok, err := a.checkTOTP(ctx, u, code); err != nil || !ok {
		if err != nil {
			return nil, err
		}
		return nil, errkind.Invalid("code", "is not the current code of the authenticator app")
	}
	if err := a.store.record(ctx, audit.Entry{Actor: u.ID, Action: "user.mfa_enrolled", ObjectType: "user", ObjectID: u.ID}); err != nil {
		return nil, err
	}
	codes, hashes := newRecoveryCodes()
	data := *u.TOTP
	data.Confirmed, data.RecoveryHashes = true, hashes
	data.UpdatedAt = a.now().UTC().Truncate(time.Millisecond)
	if err := a.store.setTOTP(ctx, u.ID, data); err != nil {
		return nil, err
	}
	return codes, nil
}

// checkTOTP reports whether code is u's TOTP code for now or the adjacent
// step. Each step is spent once (claimed by _id), so an observed code cannot
// be replayed.
func (a *Auth) checkTOTP(ctx context.Context, u User, code string) (bool, error) {
	secret, err := a.keys.OpenString(u.ID, totpField, u.TOTP.Secret)
	if err != nil {
		return false, fmt.Errorf("accounts: open TOTP secret: %w", err)
	}
	now := a.now()
	step := now.Unix() / totpPeriod
	for _, off := range []int64{0, -1, 1} {
		want, err := totp.GenerateCodeCustom(secret, time.Unix((step+off)*totpPeriod, 0), totpOpts)
		if err != nil {
			return false, fmt.Errorf("accounts: TOTP: %w", err)
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return a.store.spend(ctx, fmt.Sprintf("totp:%s:%d", u.ID, step+off), now.Add(5*time.Minute))
		}
	}
	return false, nil
}

// useRecoveryCode spends one of u's recovery codes.
func (a *Auth) useRecoveryCode(ctx context.Context, u User, code string) (bool, error) {
	h := secretID(normaliseRecoveryCode(code))
	found := false
	for _, x := range u.TOTP.RecoveryHashes {
		found = found || subtle.ConstantTimeCompare([]byte(x), []byte(h)) == 1
	}
	if !found {
		return false, nil
	}
	first, err := a.store.spend(ctx, "recovery:"+u.ID+":"+h, a.now().Add(FamilyTTL*12))
	if err != nil || !first {
		return false, err
	}
	// The code is spent; without its entry the sign-in it was for fails.
	if err := a.store.record(ctx, audit.Entry{Actor: u.ID, Action: "auth.recovery_code_used", ObjectType: "user", ObjectID: u.ID}); err != nil {
		return false, err
	}
	_, err = a.store.db.Collection(colUsers).UpdateOne(ctx, bson.D{{Key: "_id", Value: u.ID}},
		bson.D{{Key: "$pull", Value: bson.D{{Key: "totp.recoveryHashes", Value: h}}}})
	if err != nil {
		return false, fmt.Errorf("accounts: spend recovery code: %w", err)
	}
	return true, nil
}

func (s *Store) setTOTP(ctx context.Context, id string, d TOTPData) error {
	_, err := s.db.Collection(colUsers).UpdateOne(ctx, bson.D{{Key: "_id", Value: id}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "totp", Value: d}}}})
	if err != nil {
		return fmt.Errorf("accounts: store TOTP: %w", err)
	}
	return nil
}

// newRecoveryCodes returns ten new recovery codes and their hashes.
func newRecoveryCodes() ([]string, []string) {
	codes := make([]string, recoveryCodeCount)
	hashes := make([]string, recoveryCodeCount)
	for i := range codes {
		codes[i] = newRecoveryCode()
		hashes[i] = secretID(codes[i])
	}
	return codes, hashes
}

// newRecoveryCode returns 80 random bits as four groups of four base32
// characters: enough entropy that a fast hash protects it.
func newRecoveryCode() string {
	b := make([]byte, 10)
	_, _ = rand.Read(b)
	s := strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
	return s[0:4] + "-" + s[4:8] + "-" + s[8:12] + "-" + s[12:16]
}

func normaliseRecoveryCode(s string) string {
	s = strings.ToLower(strings.ReplaceAll(strings.TrimSpace(s), " ", ""))
	s = strings.ReplaceAll(s, "-", "")
	if len(s) != 16 {
		return s
	}
	return s[0:4] + "-" + s[4:8] + "-" + s[8:12] + "-" + s[12:16]
}
