package devices

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"speaksafe/accounts"
	"speaksafe/audit"
	"speaksafe/database"
	"speaksafe/errkind"
	"speaksafe/internal/staff"
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
	Token      string `bson:"token"`      // the FCM registration token pages are sent to
	Platform   string `bson:"platform"`   // PlatformAndroid or PlatformIOS
	AppVersion string `bson:"appVersion"` // as the app reported it; shown in the device list
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

// ErrDeviceTaken is answered when a phone's token is registered to a live
// account of another force: the token does not move, and the answer says
// nothing about that account.
var ErrDeviceTaken error = deviceTaken{}

type deviceTaken struct{}

func (deviceTaken) Error() string { return "devices: device registered to another account" }
func (deviceTaken) Unwrap() error { return errkind.Conflict }

// ConflictDetail is the client-safe explanation of the conflict.
func (deviceTaken) ConflictDetail() string {
	return "This phone is registered to another account. Sign out of SpeakSafe on it, or ask your supervisor."
}

// Devices stores officers' devices.
type Devices struct {
	db    *mongo.Database
	users Users
	log   *slog.Logger
	now   func() time.Time
	rec   staff.Recorder
	lists userLists
}

// NewDevices returns the device store.
// Every registration, move and removal a member of staff makes is recorded
// with auditor before it is made, and not made when that fails.
func NewDevices(db *mongo.Database, users Users, log *slog.Logger, now func() time.Time, auditor Auditor) *Devices {
	return &Devices{db: db, users: users, log: log, now: now, rec: staff.NewRecorder(auditor, log)}
}

// Register records the caller's device, or refreshes it when the caller
// already has it. A token held by another account moves only within one
// force: the move is audited and the previous owner's list shows it. A
// token held by a live account of another force is refused (ErrDeviceTaken);
// one whose holder can no longer be paged is taken over.
func (s *Devices) Register(ctx context.Context, in DeviceInput) (Device, error) {
	c, err := staff.Caller(ctx)
	if err != nil {
		return Device{}, err
	}
	if err := in.Validate(); err != nil {
		return Device{}, err
	}
	u, err := s.users.LookupUser(ctx, c.UserID)
	if err != nil {
		return Device{}, fmt.Errorf("devices: device owner: %w", err)
	}
	id := TokenID(in.Token)
	prev, held, err := s.holder(ctx, id)
	if err != nil {
		return Device{}, err
	}
	moving := held && prev.UserID != c.UserID
	if moving && prev.ForceID != c.ForceID {
		if err := s.refuseForeign(ctx, c.UserID, prev); err != nil {
			return Device{}, err
		}
	}
	if !held || moving {
		if err := s.checkRoom(ctx, c.UserID); err != nil {
			return Device{}, err
		}
	}
	if err := s.recordRegister(ctx, c.UserID, id, in.Platform, prev, held, moving); err != nil {
		return Device{}, err
	}
	if err := s.upsert(ctx, c, u.TokenVersion, id, in, !held || moving); err != nil {
		return Device{}, err
	}
	if err := s.touch(ctx, c.UserID); err != nil {
		return Device{}, err
	}
	if moving {
		if err := s.touch(ctx, prev.UserID); err != nil {
			return Device{}, err
		}
	}
	s.afterRegister(ctx, c.UserID, id, prev, held, moving)
	return s.Get(ctx, id)
}

// holder returns the device stored under id, if any.
func (s *Devices) holder(ctx context.Context, id string) (Device, bool, error) {
	d, err := s.Get(ctx, id)
	if errors.Is(err, errkind.NotFound) {
		return Device{}, false, nil
	}
	return d, err == nil, err
}

// refuseForeign refuses to move prev out of its force while it can still
// be paged there.
func (s *Devices) refuseForeign(ctx context.Context, userID string, prev Device) error {
	live, err := s.Pageable(ctx, prev)
	if err != nil {
		return err
	}
	if !live {
		return nil
	}
	s.rec.Note(ctx, audit.Entry{Actor: userID, Action: "device.register_refused", ObjectType: "device", ObjectID: prev.ID})
	return ErrDeviceTaken
}

func (s *Devices) checkRoom(ctx context.Context, userID string) error {
	mine, err := s.ForUser(ctx, userID)
	if err != nil {
		return err
	}
	if len(mine) >= MaxDevicesPerUser {
		return fmt.Errorf("devices: %d devices registered: %w", len(mine), errkind.Conflict)
	}
	return nil
}

// upsert writes the device; fresh is true for a new registration or a move,
// which starts its createdAt again.
func (s *Devices) upsert(ctx context.Context, c accounts.Caller, tokenVersion int64, id string, in DeviceInput, fresh bool) error {
	now := s.now().UTC()
	set := bson.D{
		{Key: "userId", Value: c.UserID}, {Key: "forceId", Value: c.ForceID}, {Key: "token", Value: in.Token},
		{Key: "platform", Value: in.Platform}, {Key: "appVersion", Value: in.AppVersion},
		{Key: "tokenVersion", Value: tokenVersion}, {Key: "lastSeen", Value: now},
	}
	update := bson.D{{Key: "$set", Value: append(set, bson.E{Key: "createdAt", Value: now})}}
	if !fresh {
		update = bson.D{{Key: "$set", Value: set}, {Key: "$setOnInsert", Value: bson.D{{Key: "createdAt", Value: now}}}}
	}
	_, err := s.db.Collection(colDevices).UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, update,
		options.UpdateOne().SetUpsert(true))
	if err != nil {
		return fmt.Errorf("devices: register device: %w", err)
	}
	return nil
}

// recordRegister audits a new registration or a move before it is made.
// Refreshing one's own device is not audited: the app does it on every
// start.
func (s *Devices) recordRegister(ctx context.Context, userID, id, platform string, prev Device, held, moving bool) error {
	switch {
	case moving:
		return s.rec.Record(ctx, audit.Entry{Actor: userID, Action: "device.moved", ObjectType: "device", ObjectID: id,
			Detail: map[string]string{"fromUserId": prev.UserID, "toUserId": userID}})
	case !held:
		return s.rec.Record(ctx, audit.Entry{Actor: userID, Action: "device.registered", ObjectType: "device", ObjectID: id,
			Detail: map[string]string{"platform": platform}})
	}
	return nil
}

// afterRegister keeps the previous owner's list truthful after a move.
func (s *Devices) afterRegister(ctx context.Context, userID, id string, prev Device, held, moving bool) {
	if moving {
		s.noteMove(ctx, prev)
	}
	if !held || moving {
		s.forgetMove(ctx, userID, id)
	}
}

// Get returns device id whoever owns it (internal use).
func (s *Devices) Get(ctx context.Context, id string) (Device, error) {
	return database.FindByID[Device](ctx, s.db.Collection(colDevices), id, fmt.Errorf("devices: device %s: %w", id, errkind.NotFound))
}

// Delete removes one of the caller's devices, or dismisses the note of one
// that moved to a colleague; anyone else's is NotFound.
func (s *Devices) Delete(ctx context.Context, id string) error {
	c, err := staff.Caller(ctx)
	if err != nil {
		return err
	}
	d, err := s.Get(ctx, id)
	if err != nil && !errors.Is(err, errkind.NotFound) {
		return err
	}
	if err == nil && d.UserID == c.UserID {
		if err := s.rec.Record(ctx, audit.Entry{Actor: c.UserID, Action: "device.removed", ObjectType: "device", ObjectID: id,
			Detail: map[string]string{"userId": c.UserID}}); err != nil {
			return err
		}
		return s.remove(ctx, id)
	}
	return s.dismissMove(ctx, c.UserID, id)
}

// Remove deletes a device for the system (a dead token, a disabled
// officer); it is audited with the system as actor.
func (s *Devices) Remove(ctx context.Context, id string) error {
	if err := s.remove(ctx, id); err != nil {
		return err
	}
	s.rec.Note(ctx, audit.Entry{Actor: "system", Action: "device.removed", ObjectType: "device", ObjectID: id})
	return nil
}

// remove deletes device id and marks its owner's devices changed.
func (s *Devices) remove(ctx context.Context, id string) error {
	var gone Device
	err := s.db.Collection(colDevices).FindOneAndDelete(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&gone)
	if database.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("devices: remove device %s: %w", id, err)
	}
	return s.touch(ctx, gone.UserID)
}

// ForUser returns the devices of one user: this instance's copy while the
// user's mark (read by _id) is unchanged, else read afresh.
func (s *Devices) ForUser(ctx context.Context, userID string) ([]Device, error) {
	mark, err := s.mark(ctx, userID)
	if err != nil {
		return nil, err
	}
	if devs, ok := s.lists.get(userID, mark); ok {
		return devs, nil
	}
	devs, err := s.findForUser(ctx, userID)
	if err != nil {
		return nil, err
	}
	s.lists.put(userID, mark, devs)
	return devs, nil
}

func (s *Devices) findForUser(ctx context.Context, userID string) ([]Device, error) {
	cur, err := s.db.Collection(colDevices).Find(ctx, bson.D{{Key: "userId", Value: userID}},
		options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return nil, fmt.Errorf("devices: devices of %s: %w", userID, err)
	}
	var out []Device
	if err := cur.All(ctx, &out); err != nil {
		return nil, fmt.Errorf("devices: devices of %s: %w", userID, err)
	}
	return out, nil
}

// Mine returns the caller's devices.
func (s *Devices) Mine(ctx context.Context) ([]Device, error) {
	c, err := staff.Caller(ctx)
	if err != nil {
		return nil, err
	}
	return s.ForUser(ctx, c.UserID)
}

// Pageable reports whether d may still be paged: its owner is an active
// member of its force and has not logged out everywhere since registering.
func (s *Devices) Pageable(ctx context.Context, d Device) (bool, error) {
	u, ok, err := staff.Active(ctx, s.users, d.UserID, d.ForceID)
	if err != nil {
		return false, err
	}
	return ok && u.TokenVersion == d.TokenVersion, nil
}

// PageableBy is Pageable with the owner's account u already read: u owns
// d, is an active member of d's force and has not logged out everywhere
// since registering it.
func PageableBy(u accounts.User, d Device) bool {
	return u.ID == d.UserID && !u.Disabled && staff.OrgOf(u) == d.ForceID && u.TokenVersion == d.TokenVersion
}
