package accounts

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"speaksafe/audit"
	"speaksafe/database"
)

// Bootstrap creates the first admin from BOOTSTRAP_ADMIN_EMAIL and
// BOOTSTRAP_ADMIN_PASSWORD when no admin exists, and does nothing when one
// does (it never changes an existing account). It is safe on several
// instances starting at once: the admin's id is derived from the address,
// and both the address claim and the user are inserted by _id, so racers
// converge on one account. A crash between the two inserts is repaired on
// the next start.
func (a *Auth) Bootstrap(ctx context.Context, email, password string) error {
	email = NormaliseEmail(email)
	if email == "" {
		return nil
	}
	exists, err := a.store.adminExists(ctx)
	if err != nil || exists {
		return err
	}
	if err := (NewUser{Email: email, Name: "Administrator", Role: RoleAdmin}).Validate(); err != nil {
		return fmt.Errorf("accounts: BOOTSTRAP_ADMIN_EMAIL: %w", err)
	}
	if err := ValidatePassword("BOOTSTRAP_ADMIN_PASSWORD", password); err != nil {
		return fmt.Errorf("accounts: BOOTSTRAP_ADMIN_PASSWORD: %w", err)
	}
	hash, err := a.hasher.Hash(ctx, password)
	if err != nil {
		return err
	}
	sum := sha256.Sum256([]byte("bootstrap-admin:" + email))
	u := User{ID: "admin-" + hex.EncodeToString(sum[:10]), Email: email, Name: "Administrator",
		Role: RoleAdmin, PasswordHash: hash}
	u.CreatedAt = a.now().UTC().Truncate(time.Millisecond)
	u.UpdatedAt = u.CreatedAt
	_, err = a.store.db.Collection(colUserEmails).InsertOne(ctx, emailClaim{Email: email, UserID: u.ID, ClaimedAt: u.CreatedAt})
	if database.IsDuplicateKey(err) {
		claim, err := database.FindByID[emailClaim](ctx, a.store.db.Collection(colUserEmails), email, errClaimVanished)
		if err != nil {
			return fmt.Errorf("accounts: bootstrap: %w", err)
		}
		if claim.UserID != u.ID {
			return errors.New("accounts: BOOTSTRAP_ADMIN_EMAIL belongs to an existing non-admin user")
		}
	} else if err != nil {
		return fmt.Errorf("accounts: bootstrap: %w", err)
	}
	// Unlike insertUser, never release the claim on failure: a duplicate
	// user means another instance (or an earlier start) created it.
	if err := a.store.record(ctx, audit.Entry{Actor: "bootstrap", Action: "user.bootstrap_admin", ObjectType: "user", ObjectID: u.ID}); err != nil {
		return err
	}
	_, err = a.store.db.Collection(colUsers).InsertOne(ctx, u)
	if database.IsDuplicateKey(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("accounts: bootstrap: %w", err)
	}
	return nil
}

// errClaimVanished is a claim found taken and then missing: its creation
// was undone meanwhile.
var errClaimVanished = errors.New("accounts: claim vanished; try again")

// adminExists reports whether any admin account exists. It scans (once, at
// start-up).
func (s *Store) adminExists(ctx context.Context) (bool, error) {
	n, err := s.db.Collection(colUsers).CountDocuments(ctx, bson.D{{Key: "role", Value: string(RoleAdmin)}})
	if err != nil {
		return false, fmt.Errorf("accounts: bootstrap: %w", err)
	}
	return n > 0, nil
}
