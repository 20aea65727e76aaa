package oncall

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"speaksafe/audit"
	"speaksafe/database"
	"speaksafe/devices"
	"speaksafe/errkind"
	"speaksafe/internal/staff"
	"speaksafe/outbound"
)

// OnCall stores rotations, overrides and escalation policies, and answers
// who is on call. A policy's tiers never change (an edit is a new version),
// so policies are cached in memory by id; rotations, overrides and the
// default policy are read fresh because any instance may change them.
type OnCall struct {
	db       *mongo.Database
	users    Users
	now      func() time.Time
	minDelay time.Duration

	rec      staff.Recorder
	devices  *devices.Devices
	webhooks outbound.AllowedHosts

	mu       sync.RWMutex
	policies map[string]Policy
}

// NewOnCall returns the on-call store. minDelay is ESCALATION_MIN_DELAY;
// every rota, override and policy change is recorded with auditor before
// it is made, and not made when that fails.
func NewOnCall(db *mongo.Database, users Users, now func() time.Time, minDelay time.Duration, auditor Auditor, log *slog.Logger) *OnCall {
	return &OnCall{db: db, users: users, now: now, minDelay: minDelay, policies: map[string]Policy{},
		rec: staff.NewRecorder(auditor, log)}
}

// UseDevices lets Now show each on-call member's device state.
func (s *OnCall) UseDevices(d *devices.Devices) { s.devices = d }

// AllowWebhookHosts exempts hosts (WEBHOOK_ALLOWED_HOSTS) from the rule that
// a policy's webhook must point to a public address.
func (s *OnCall) AllowWebhookHosts(a outbound.AllowedHosts) { s.webhooks = a }

// MinDelay is the smallest tier delay allowed.
func (s *OnCall) MinDelay() time.Duration { return s.minDelay }

// CreateRotation stores a rotation of the caller's force.
func (s *OnCall) CreateRotation(ctx context.Context, r Rotation) (Rotation, error) {
	c, err := staff.Caller(ctx)
	if err != nil {
		return Rotation{}, err
	}
	if r.TimeZone == "" {
		r.TimeZone = DefaultTimeZone
	}
	if err := r.Validate(); err != nil {
		return Rotation{}, err
	}
	if err := s.checkMembers(ctx, c.ForceID, "members", r.Members); err != nil {
		return Rotation{}, err
	}
	r.ID, r.ForceID, r.CreatedAt = database.NewID(), c.ForceID, s.now().UTC()
	if err := s.rec.Record(ctx, audit.Entry{Actor: c.UserID, Action: "oncall.rotation_created", ObjectType: "rotation",
		ObjectID: r.ID, Detail: map[string]string{"forceId": r.ForceID}}); err != nil {
		return Rotation{}, err
	}
	if _, err := s.db.Collection(colRotations).InsertOne(ctx, r); err != nil {
		return Rotation{}, fmt.Errorf("oncall: create rotation: %w", err)
	}
	return r, nil
}

// checkMembers makes sure every user belongs to force and is active; users
// of other forces are reported as unknown.
func (s *OnCall) checkMembers(ctx context.Context, forceID, field string, ids []string) error {
	v := &errkind.ValidationError{}
	for i, id := range ids {
		_, ok, err := staff.Active(ctx, s.users, id, forceID)
		if err != nil {
			return fmt.Errorf("oncall: check %s: %w", field, err)
		}
		v.Check(!ok, fmt.Sprintf("%s[%d]", field, i), "is not an active member of this force")
	}
	return v.Err()
}

// Rotations lists the caller's force's rotations.
func (s *OnCall) Rotations(ctx context.Context) ([]Rotation, error) {
	c, err := staff.Caller(ctx)
	if err != nil {
		return nil, err
	}
	var all []Rotation
	if err := s.find(ctx, colRotations, bson.D{{Key: "forceId", Value: c.ForceID}}, &all); err != nil {
		return nil, err
	}
	out := all[:0]
	for _, r := range all {
		if r.DeletedAt == nil {
			out = append(out, r)
		}
	}
	return out, nil
}

// Rotation returns rotation id if it belongs to forceID, deleted or not
// (an open alert may still name it). It reads by _id only (the one indexed
// filter on the embedded store) and checks the force in code; another
// force's rotation is NotFound.
func (s *OnCall) Rotation(ctx context.Context, forceID, id string) (Rotation, error) {
	notFound := fmt.Errorf("oncall: rotation %s: %w", id, errkind.NotFound)
	r, err := database.FindByID[Rotation](ctx, s.db.Collection(colRotations), id, notFound)
	if err != nil {
		return Rotation{}, err
	}
	if r.ForceID != forceID {
		return Rotation{}, notFound
	}
	return r, nil
}

// liveRotation is Rotation, with a deleted rotation NotFound: what new
// overrides, policies and edits may name.
func (s *OnCall) liveRotation(ctx context.Context, forceID, id string) (Rotation, error) {
	r, err := s.Rotation(ctx, forceID, id)
	if err == nil && r.DeletedAt != nil {
		return Rotation{}, fmt.Errorf("oncall: rotation %s: deleted: %w", id, errkind.NotFound)
	}
	return r, err
}

// CreateOverride stores an override of one of the caller's rotations.
func (s *OnCall) CreateOverride(ctx context.Context, o Override) (Override, error) {
	c, err := staff.Caller(ctx)
	if err != nil {
		return Override{}, err
	}
	if err := o.Validate(); err != nil {
		return Override{}, err
	}
	if _, err := s.liveRotation(ctx, c.ForceID, o.RotationID); err != nil {
		return Override{}, errkind.Invalid("rotationId", "is not a rotation of this force")
	}
	if err := s.checkMembers(ctx, c.ForceID, "userId", []string{o.UserID}); err != nil {
		return Override{}, errkind.Invalid("userId", "is not an active member of this force")
	}
	o.ID, o.ForceID, o.CreatedBy, o.CreatedAt = database.NewID(), c.ForceID, c.UserID, s.now().UTC()
	o.Start, o.End = o.Start.UTC(), o.End.UTC()
	detail := map[string]string{"forceId": o.ForceID, "rotationId": o.RotationID, "mode": o.Mode, "userId": o.UserID}
	if o.ReplaceUserID != "" {
		detail["replaceUserId"] = o.ReplaceUserID
	}
	if err := s.rec.Record(ctx, audit.Entry{Actor: c.UserID, Action: "oncall.override_created", ObjectType: "override",
		ObjectID: o.ID, Detail: detail}); err != nil {
		return Override{}, err
	}
	if _, err := s.db.Collection(colOverrides).InsertOne(ctx, o); err != nil {
		return Override{}, fmt.Errorf("oncall: create override: %w", err)
	}
	return o, nil
}

// overrides returns the force's overrides that have not ended by at.
func (s *OnCall) overrides(ctx context.Context, forceID string, at time.Time) ([]Override, error) {
	var out []Override
	f := bson.D{{Key: "forceId", Value: forceID}, {Key: "end", Value: bson.D{{Key: "$gt", Value: at.UTC()}}}}
	if err := s.find(ctx, colOverrides, f, &out); err != nil {
		return nil, err
	}
	return out, nil
}

func (s *OnCall) find(ctx context.Context, col string, filter bson.D, out any) error {
	cur, err := s.db.Collection(col).Find(ctx, filter, options.Find().SetSort(bson.D{{Key: "createdAt", Value: 1}}).SetLimit(500))
	if err != nil {
		return fmt.Errorf("oncall: list %s: %w", col, err)
	}
	if err := cur.All(ctx, out); err != nil {
		return fmt.Errorf("oncall: list %s: %w", col, err)
	}
	return nil
}
