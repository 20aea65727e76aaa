package accounts

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"

	"speaksafe/fieldcrypt"
)

// ResealTOTP re-encrypts user id's TOTP secret under the current data key
// when an older key sealed it, so that the older key can be retired; true
// when it rewrote it. Only the secret is written, and only while it is the
// value read (so a factor reset meanwhile is not brought back as a stray
// secret), then read back: when a concurrent change of the factor won, the
// value read back is that change's, under the current key or gone. No
// audit entry: the operator's command records the whole run.
func (a *Auth) ResealTOTP(ctx context.Context, id string) (bool, error) {
	for range 5 {
		u, err := a.store.LookupUser(ctx, id)
		if err != nil {
			return false, err
		}
		if u.TOTP == nil || u.TOTP.Secret == "" || fieldcrypt.KeyID(u.TOTP.Secret) == a.keys.CurrentKeyID() {
			return false, nil
		}
		pt, err := a.keys.Open(u.ID, totpField, u.TOTP.Secret)
		if err != nil {
			return false, fmt.Errorf("accounts: reseal TOTP of %s (is its key still in DATA_KEYS?): %w", u.ID, err)
		}
		sealed, err := a.keys.Seal(u.ID, totpField, pt)
		if err != nil {
			return false, err
		}
		filter := bson.D{{Key: "_id", Value: u.ID}, {Key: "totp.secret", Value: u.TOTP.Secret}}
		if _, err := a.store.db.Collection(colUsers).UpdateOne(ctx, filter,
			bson.D{{Key: "$set", Value: bson.D{{Key: "totp.secret", Value: sealed}}}}); err != nil {
			return false, fmt.Errorf("accounts: reseal TOTP: %w", err)
		}
		again, err := a.store.LookupUser(ctx, id)
		if err != nil {
			return false, err
		}
		if again.TOTP == nil || fieldcrypt.KeyID(again.TOTP.Secret) == a.keys.CurrentKeyID() {
			return true, nil
		}
	}
	return false, fmt.Errorf("accounts: TOTP of %s kept changing while resealed; run again", id)
}
