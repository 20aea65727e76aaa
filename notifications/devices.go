package notifications

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"speaksafe/database"
	"speaksafe/errkind"
)

// Device platforms.
const (
	PlatformAndroid = "android"
	PlatformIOS     = "ios"
)

// Device is an officer's phone that receives pages. Its id is a hash of the
// FCM token, so registering the same token again finds it by _id.
type Device struct {
	ID         string `bson:"_id"`
	UserID     string `bson:"userId"`
	ForceID    string `bson:"forceId"`
	Token      string `bson:"token"`
	Platform   string `bson:"platform"`
	AppVersion string `bson:"appVersion"`
	// TokenVersion is the user's token version at registration: once they
	// log out everywhere (the version moves on) the device is no longer paged.
	TokenVersion int64     `bson:"tokenVersion"`
	CreatedAt    time.Time `bson:"createdAt"`
	LastSeen     time.Time `bson:"lastSeen"`
}

// DeviceInput is what a phone sends to register.
type DeviceInput struct {
	Token      string
	Platform   string
	AppVersion string
}

// Validate checks every field and reports all problems at once.
func (in DeviceInput) Validate() error {
	v := &errkind.ValidationError{}
	v.Check(len(in.Token) < 16 || len(in.Token) > 4096, "token", "must be an FCM registration token")
	v.Check(in.Platform != PlatformAndroid && in.Platform != PlatformIOS, "platform", "must be android or ios")
	v.Check(len(in.AppVersion) > 32, "appVersion", "must be at most 32 characters")
	return v.Err()
}

// MaxDevicesPerUser bounds how many phones one officer can register.
const MaxDevicesPerUser = 10

// Devices stores officers' devices.
type Devices struct {
	db    *mongo.Database
	users Users
	log   *slog.Logger
	now   func() time.Time
}

// NewDevices returns the device store.
func NewDevices(db *mongo.Database, users Users, log *slog.Logger, now func() time.Time) *Devices {
	return &Devices{db: db, users: users, log: log, now: now}
}

// Register records the caller's device, or refreshes it when the token is
// known (a token moved to another officer's account moves with it).
func (s *Devices) Register(ctx context.Context, in DeviceInput) (Device, error) {
	c, err := staffCaller(ctx)
	if err != nil {
		return Device{}, err
	}
	if err := in.Validate(); err != nil {
		return Device{}, err
	}
	u, err := s.users.LookupUser(ctx, c.UserID)
	if err != nil {
		return Device{}, fmt.Errorf("notifications: device owner: %w", err)
	}
	mine, err := s.ForUser(ctx, c.UserID)
	if err != nil {
		return Device{}, err
	}
	id := TokenID(in.Token)
	known := false
	for _, d := range mine {
		known = known || d.ID == id
	}
	if !known && len(mine) >= MaxDevicesPerUser {
		return Device{}, fmt.Errorf("notifications: %d devices registered: %w", len(mine), errkind.Conflict)
	}
	now := s.now().UTC()
	_, err = s.db.Collection(colDevices).UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, bson.D{
		{Key: "$set", Value: bson.D{
			{Key: "userId", Value: c.UserID}, {Key: "forceId", Value: c.ForceID}, {Key: "token", Value: in.Token},
			{Key: "platform", Value: in.Platform}, {Key: "appVersion", Value: in.AppVersion},
			{Key: "tokenVersion", Value: u.TokenVersion}, {Key: "lastSeen", Value: now},
		}},
		{Key: "$setOnInsert", Value: bson.D{{Key: "createdAt", Value: now}}},
	}, options.UpdateOne().SetUpsert(true))
	if err != nil {
		return Device{}, fmt.Errorf("notifications: register device: %w", err)
	}
	return s.Get(ctx, id)
}

// Get returns device id whoever owns it (internal use).
func (s *Devices) Get(ctx context.Context, id string) (Device, error) {
	var d Device
	err := s.db.Collection(colDevices).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d)
	if database.IsNotFound(err) {
		return Device{}, fmt.Errorf("notifications: device %s: %w", id, errkind.NotFound)
	}
	if err != nil {
		return Device{}, fmt.Errorf("notifications: device %s: %w", id, err)
	}
	return d, nil
}

// Delete removes one of the caller's devices; anyone else's is NotFound.
func (s *Devices) Delete(ctx context.Context, id string) error {
	c, err := staffCaller(ctx)
	if err != nil {
		return err
	}
	d, err := s.Get(ctx, id)
	if err != nil {
		return err
	}
	if d.UserID != c.UserID {
		return fmt.Errorf("notifications: device %s: %w", id, errkind.NotFound)
	}
	return s.Remove(ctx, id)
}

// Remove deletes a device (a dead token, a disabled officer).
func (s *Devices) Remove(ctx context.Context, id string) error {
	if _, err := s.db.Collection(colDevices).DeleteOne(ctx, bson.D{{Key: "_id", Value: id}}); err != nil {
		return fmt.Errorf("notifications: remove device %s: %w", id, err)
	}
	return nil
}

// ForUser returns the devices of one user.
func (s *Devices) ForUser(ctx context.Context, userID string) ([]Device, error) {
	cur, err := s.db.Collection(colDevices).Find(ctx, bson.D{{Key: "userId", Value: userID}},
		options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return nil, fmt.Errorf("notifications: devices of %s: %w", userID, err)
	}
	var out []Device
	if err := cur.All(ctx, &out); err != nil {
		return nil, fmt.Errorf("notifications: devices of %s: %w", userID, err)
	}
	return out, nil
}

// Mine returns the caller's devices.
func (s *Devices) Mine(ctx context.Context) ([]Device, error) {
	c, err := staffCaller(ctx)
	if err != nil {
		return nil, err
	}
	return s.ForUser(ctx, c.UserID)
}

// Pageable reports whether d may still be paged: its owner is an active
// member of its force and has not logged out everywhere since registering.
func (s *Devices) Pageable(ctx context.Context, d Device) (bool, error) {
	u, ok, err := activeStaff(ctx, s.users, d.UserID, d.ForceID)
	if err != nil {
		return false, err
	}
	return ok && u.TokenVersion == d.TokenVersion, nil
}
