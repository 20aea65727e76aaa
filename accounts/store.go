package accounts

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"speaksafe/audit"
	"speaksafe/database"
)

// Collection names. Claim collections hold one document per unique value
// (_id = the value) because a duplicate _id is the only uniqueness the
// embedded store enforces atomically.
const (
	colOrganisations = "organisations"
	colOrgCodes      = "organisation_codes"
	colUsers         = "users"
	colUserEmails    = "user_emails"
	colRefresh       = "refresh_tokens"
	// colUses holds one document per single-use credential spent (a refresh
	// token, an invite, a TOTP time step, a recovery code): inserting its
	// _id is the atomic "use once".
	colUses     = "credential_uses"
	colFamilies = "refresh_families"
	colInvites  = "user_invites"
	colMeta     = "accounts_meta"
)

// Store keeps organisations, users and their credentials in MongoDB.
type Store struct {
	db      *mongo.Database
	logger  *slog.Logger
	now     func() time.Time
	audit   audit.Recorder
	devices DeviceRevoker
	codes   codeCache
}

// DeviceRevoker forgets every push device of a user, so that a reset
// account is paged on no phone its previous holder registered.
// devices.Devices implements it.
type DeviceRevoker interface {
	RevokeDevices(ctx context.Context, userID string) error
}

// UseDeviceRevoker makes password and MFA resets forget the user's devices
// through d.
func (s *Store) UseDeviceRevoker(d DeviceRevoker) { s.devices = d }

// NewStore returns a Store over db. now is the clock (time.Now in
// production); logger receives nothing secret; auditor records every user,
// organisation and sign-in event before it happens.
func NewStore(db *mongo.Database, logger *slog.Logger, now func() time.Time, auditor audit.Recorder) *Store {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if now == nil {
		now = time.Now
	}
	return &Store{db: db, logger: logger, now: now, audit: auditor}
}

// Indexes are the indexes this package needs on a real MongoDB. The embedded
// store ignores them; uniqueness there rests on the claim collections.
func Indexes() []database.Index {
	return []database.Index{
		{Collection: colOrganisations, Keys: bson.D{{Key: "code", Value: 1}}, Unique: true, Name: "code_unique"},
		{Collection: colOrganisations, Keys: bson.D{{Key: "forceId", Value: 1}}, Name: "force"},
		{Collection: colOrganisations, Keys: bson.D{{Key: "kind", Value: 1}}, Name: "kind"},
		{Collection: colOrganisations, Keys: bson.D{{Key: "forceIds", Value: 1}, {Key: "_id", Value: 1}}, Name: "agency_forces"},
		{Collection: colUsers, Keys: bson.D{{Key: "email", Value: 1}}, Unique: true, Name: "email_unique"},
		{Collection: colUsers, Keys: bson.D{{Key: "orgId", Value: 1}, {Key: "_id", Value: 1}}, Name: "org"},
		{Collection: colUsers, Keys: bson.D{{Key: "role", Value: 1}, {Key: "_id", Value: 1}}, Name: "role_id"},
		{Collection: colRefresh, Keys: bson.D{{Key: "familyId", Value: 1}}, Name: "family"},
		{Collection: colRefresh, Keys: bson.D{{Key: "expiresAt", Value: 1}}, Name: "expires"},
		{Collection: colUses, Keys: bson.D{{Key: "expiresAt", Value: 1}}, Name: "expires"},
		{Collection: colFamilies, Keys: bson.D{{Key: "expiresAt", Value: 1}}, Name: "expires"},
		{Collection: colFamilies, Keys: bson.D{{Key: "userId", Value: 1}}, Name: "user"},
		{Collection: colInvites, Keys: bson.D{{Key: "expiresAt", Value: 1}}, Name: "expires"},
		{Collection: colInvites, Keys: bson.D{{Key: "userId", Value: 1}}, Name: "user"},
		{Collection: colLoginFailures, Keys: bson.D{{Key: "expiresAt", Value: 1}}, Name: "expires"},
		database.ClaimIndex(colUserEmails),
		database.ClaimIndex(colOrgCodes),
	}
}

// claimGrace is how old a claim must be before the sweep checks it: far
// longer than any write that follows a claim.
const claimGrace = 10 * time.Minute

// sweepClaims frees email addresses and organisation codes whose claim
// outlived a failed creation (database.SweepClaims).
func (s *Store) sweepClaims(ctx context.Context) error {
	cutoff := s.now().Add(-claimGrace)
	owners := map[string]struct{ owners, field string }{
		colUserEmails: {colUsers, "userId"},
		colOrgCodes:   {colOrganisations, "orgId"},
	}
	for claims, o := range owners {
		n, err := database.SweepClaims(ctx, s.db.Collection(claims), cutoff, func(ctx context.Context, c bson.Raw) (bool, error) {
			id, _ := c.Lookup(o.field).StringValueOK()
			return database.Exists(ctx, s.db.Collection(o.owners), id)
		})
		if n > 0 {
			s.logger.WarnContext(ctx, "stranded claims released", "collection", claims, "count", n)
		}
		if err != nil {
			return fmt.Errorf("accounts: sweep claims: %w", err)
		}
	}
	return nil
}
