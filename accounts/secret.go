package accounts

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"speaksafe/database"
)

// newSecret returns 256 random bits, base64url: refresh and invite tokens.
func newSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// secretID is the stored form of a 256-bit secret: its SHA-256. A fast hash
// is enough at that entropy (nobody can search the space), and it lets the
// secret be looked up by _id.
func secretID(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

type useClaim struct {
	ID        string    `bson:"_id"`
	ExpiresAt time.Time `bson:"expiresAt"`
}

// spend marks the single-use credential id as used and reports whether this
// call was the first to do so. keepUntil is when the mark may be swept
// (after the credential itself has expired).
func (s *Store) spend(ctx context.Context, id string, keepUntil time.Time) (bool, error) {
	_, err := s.db.Collection(colUses).InsertOne(ctx, useClaim{ID: id, ExpiresAt: keepUntil})
	if database.IsDuplicateKey(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("accounts: spend credential: %w", err)
	}
	return true, nil
}

// Sweep deletes expired refresh tokens, families, invites and spent marks.
// Run it periodically; it scans, so not on a request path.
func (s *Store) Sweep(ctx context.Context) error {
	if err := s.summariseExpiredFailures(ctx); err != nil {
		return fmt.Errorf("accounts: sweep: summarise sign-in failures: %w", err)
	}
	if err := s.sweepClaims(ctx); err != nil {
		return err
	}
	cutoff := bson.D{{Key: "expiresAt", Value: bson.D{{Key: "$lt", Value: s.now()}}}}
	for _, col := range []string{colRefresh, colFamilies, colInvites, colUses, colLoginFailures} {
		if _, err := s.db.Collection(col).DeleteMany(ctx, cutoff); err != nil {
			return fmt.Errorf("accounts: sweep %s: %w", col, err)
		}
	}
	return nil
}
