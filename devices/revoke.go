package devices

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// RevokeDevices forgets every device of user userID, so that none of them
// is paged again (an account reset: the phones may be someone else's).
func (s *Devices) RevokeDevices(ctx context.Context, userID string) error {
	if _, err := s.db.Collection(colDevices).DeleteMany(ctx, bson.D{{Key: "userId", Value: userID}}); err != nil {
		return fmt.Errorf("devices: revoke devices of %s: %w", userID, err)
	}
	return s.touch(ctx, userID)
}
