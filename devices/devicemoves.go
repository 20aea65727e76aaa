package devices

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"speaksafe/errkind"
	"speaksafe/internal/staff"
)

// colMoves holds one note per device that moved from an officer to a
// colleague, so that the previous owner sees why it stopped being paged.
const colMoves = "device_moves"

// MovedDevice is a phone that was registered to a user and has since been
// registered by a colleague of the same force. It names no one.
type MovedDevice struct {
	ID         string    `bson:"_id"`
	UserID     string    `bson:"userId"`
	DeviceID   string    `bson:"deviceId"`
	Platform   string    `bson:"platform"`
	AppVersion string    `bson:"appVersion"`
	CreatedAt  time.Time `bson:"createdAt"`
	LastSeen   time.Time `bson:"lastSeen"`
	MovedAt    time.Time `bson:"movedAt"`
}

func moveID(userID, deviceID string) string { return deviceID + ":" + userID }

// noteMove records that prev left its owner. A failure is logged: the move
// itself has happened and is audited.
func (s *Devices) noteMove(ctx context.Context, prev Device) {
	m := MovedDevice{ID: moveID(prev.UserID, prev.ID), UserID: prev.UserID, DeviceID: prev.ID, Platform: prev.Platform,
		AppVersion: prev.AppVersion, CreatedAt: prev.CreatedAt, LastSeen: prev.LastSeen, MovedAt: s.now().UTC()}
	_, err := s.db.Collection(colMoves).ReplaceOne(ctx, bson.D{{Key: "_id", Value: m.ID}}, m, options.Replace().SetUpsert(true))
	if err != nil {
		s.log.ErrorContext(ctx, "note device move failed", "device_id", prev.ID, "error", err)
	}
}

// forgetMove drops userID's note about device id (it is theirs again).
func (s *Devices) forgetMove(ctx context.Context, userID, id string) {
	if _, err := s.db.Collection(colMoves).DeleteOne(ctx, bson.D{{Key: "_id", Value: moveID(userID, id)}}); err != nil {
		s.log.ErrorContext(ctx, "forget device move failed", "device_id", id, "error", err)
	}
}

// dismissMove deletes the caller's note about device id; NotFound if none.
func (s *Devices) dismissMove(ctx context.Context, userID, id string) error {
	res, err := s.db.Collection(colMoves).DeleteOne(ctx, bson.D{{Key: "_id", Value: moveID(userID, id)}})
	if err != nil {
		return fmt.Errorf("devices: dismiss moved device %s: %w", id, err)
	}
	if res.DeletedCount == 0 {
		return fmt.Errorf("devices: device %s: %w", id, errkind.NotFound)
	}
	return nil
}

// MovedFromMe returns the caller's devices that moved to a colleague.
func (s *Devices) MovedFromMe(ctx context.Context) ([]MovedDevice, error) {
	c, err := staff.Caller(ctx)
	if err != nil {
		return nil, err
	}
	cur, err := s.db.Collection(colMoves).Find(ctx, bson.D{{Key: "userId", Value: c.UserID}},
		options.Find().SetSort(bson.D{{Key: "movedAt", Value: -1}}).SetLimit(100))
	if err != nil {
		return nil, fmt.Errorf("devices: moved devices: %w", err)
	}
	var out []MovedDevice
	if err := cur.All(ctx, &out); err != nil {
		return nil, fmt.Errorf("devices: moved devices: %w", err)
	}
	return out, nil
}
