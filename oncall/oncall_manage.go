package oncall

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"speaksafe/audit"
	"speaksafe/database"
	"speaksafe/errkind"
	"speaksafe/internal/staff"
)

// onCallConflict is a 409 that says what to do instead.
type onCallConflict struct{ detail string }

func (c *onCallConflict) Error() string          { return "oncall: " + c.detail }
func (c *onCallConflict) Unwrap() error          { return errkind.Conflict }
func (c *onCallConflict) ConflictDetail() string { return c.detail }

// RotationPatch holds the fields of a rotation a supervisor may change;
// nil fields stay as they are.
type RotationPatch struct {
	Name       *string
	Members    *[]string
	ShiftHours *int
	Handover   *string
	TimeZone   *string
	StartDate  *string
}

func (p RotationPatch) apply(r *Rotation) []string {
	var changed []string
	set := func(name string, ok bool) {
		if ok {
			changed = append(changed, name)
		}
	}
	set("name", assign(&r.Name, p.Name))
	if p.Members != nil {
		r.Members = slices.Clone(*p.Members)
		changed = append(changed, "members")
	}
	set("shiftHours", assign(&r.ShiftHours, p.ShiftHours))
	set("handover", assign(&r.Handover, p.Handover))
	set("timeZone", assign(&r.TimeZone, p.TimeZone))
	set("startDate", assign(&r.StartDate, p.StartDate))
	return changed
}

func assign[T any](dst *T, v *T) bool {
	if v == nil {
		return false
	}
	*dst = *v
	return true
}

// UpdateRotation changes rotation id of the caller's force. The change
// applies to the next page at once: rotations are resolved when paging.
func (s *OnCall) UpdateRotation(ctx context.Context, id string, p RotationPatch) (Rotation, error) {
	c, err := staff.Caller(ctx)
	if err != nil {
		return Rotation{}, err
	}
	r, err := s.liveRotation(ctx, c.ForceID, id)
	if err != nil {
		return Rotation{}, err
	}
	changed := p.apply(&r)
	if err := r.Validate(); err != nil {
		return Rotation{}, err
	}
	if p.Members != nil {
		if err := s.checkMembers(ctx, c.ForceID, "members", r.Members); err != nil {
			return Rotation{}, err
		}
	}
	r.UpdatedAt = s.now().UTC()
	if err := s.rec.Record(ctx, audit.Entry{Actor: c.UserID, Action: "oncall.rotation_updated", ObjectType: "rotation",
		ObjectID: id, Detail: map[string]string{"forceId": r.ForceID, "changed": strings.Join(changed, ",")}}); err != nil {
		return Rotation{}, err
	}
	if _, err := s.db.Collection(colRotations).ReplaceOne(ctx, bson.D{{Key: "_id", Value: id}}, r); err != nil {
		return Rotation{}, fmt.Errorf("oncall: update rotation: %w", err)
	}
	return r, nil
}

// DeleteRotation deletes rotation id of the caller's force, unless a live
// policy pages it (409: change the policy first). Alerts already open whose
// policy names it still page it.
func (s *OnCall) DeleteRotation(ctx context.Context, id string) error {
	c, err := staff.Caller(ctx)
	if err != nil {
		return err
	}
	r, err := s.liveRotation(ctx, c.ForceID, id)
	if err != nil {
		return err
	}
	var policies []Policy
	if err := s.find(ctx, colPolicies, bson.D{{Key: "forceId", Value: c.ForceID}}, &policies); err != nil {
		return err
	}
	for _, p := range policies {
		if p.Live() && slices.ContainsFunc(p.Tiers, func(t Tier) bool { return t.RotationID == id }) {
			return &onCallConflict{detail: fmt.Sprintf("policy %q pages this rotation; change or delete the policy first", p.Name)}
		}
	}
	now := s.now().UTC()
	if err := s.rec.Record(ctx, audit.Entry{Actor: c.UserID, Action: "oncall.rotation_deleted", ObjectType: "rotation",
		ObjectID: id, Detail: map[string]string{"forceId": r.ForceID}}); err != nil {
		return err
	}
	_, err = s.db.Collection(colRotations).UpdateOne(ctx, bson.D{{Key: "_id", Value: id}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "deletedAt", Value: now}, {Key: "updatedAt", Value: now}}}})
	if err != nil {
		return fmt.Errorf("oncall: delete rotation: %w", err)
	}
	return nil
}

// freshPolicy reads policy id of forceID past the cache: whether it was
// replaced or deleted may have changed on another instance.
func (s *OnCall) freshPolicy(ctx context.Context, forceID, id string) (Policy, error) {
	notFound := fmt.Errorf("oncall: policy %s: %w", id, errkind.NotFound)
	p, err := database.FindByID[Policy](ctx, s.db.Collection(colPolicies), id, notFound)
	if err != nil {
		return Policy{}, err
	}
	if p.ForceID != forceID {
		return Policy{}, notFound
	}
	return p, nil
}

// livePolicy is a policy of forceID that is neither replaced nor deleted;
// otherwise NotFound.
func (s *OnCall) livePolicy(ctx context.Context, forceID, id string) (Policy, error) {
	p, err := s.freshPolicy(ctx, forceID, id)
	if err == nil && !p.Live() {
		return Policy{}, fmt.Errorf("oncall: policy %s is replaced or deleted: %w", id, errkind.NotFound)
	}
	return p, err
}

// nextVersionID is the id of the version after policy id. It is derived
// from id, so two edits racing from the same version claim the same id and
// the second gets 409 on either store.
func nextVersionID(id string) string {
	sum := sha256.Sum256([]byte("speaksafe-policy-version:" + id))
	return hex.EncodeToString(sum[:12])
}

// ReplacePolicy stores p as the new version of policy id and answers it,
// under its new id. Alerts already open keep the version they started
// with; if id was the force's default, the new version becomes it.
func (s *OnCall) ReplacePolicy(ctx context.Context, id string, p Policy) (Policy, error) {
	c, err := staff.Caller(ctx)
	if err != nil {
		return Policy{}, err
	}
	old, err := s.livePolicy(ctx, c.ForceID, id)
	if err != nil {
		return Policy{}, err
	}
	if err := s.checkPolicy(ctx, c.ForceID, p); err != nil {
		return Policy{}, err
	}
	p.ID, p.ForceID, p.CreatedBy, p.CreatedAt, p.Replaces = nextVersionID(old.ID), c.ForceID, c.UserID, s.now().UTC(), old.ID
	if err := s.rec.Record(ctx, audit.Entry{Actor: c.UserID, Action: "oncall.policy_replaced", ObjectType: "policy",
		ObjectID: p.ID, Detail: map[string]string{"forceId": p.ForceID, "previousVersionId": old.ID}}); err != nil {
		return Policy{}, err
	}
	if _, err := s.db.Collection(colPolicies).InsertOne(ctx, p); err != nil {
		if database.IsDuplicateKey(err) {
			return Policy{}, &onCallConflict{detail: "this policy was changed by someone else; reload it"}
		}
		return Policy{}, fmt.Errorf("oncall: replace policy: %w", err)
	}
	_, err = s.db.Collection(colPolicies).UpdateOne(ctx, bson.D{{Key: "_id", Value: old.ID}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "replacedBy", Value: p.ID}}}})
	if err != nil {
		return Policy{}, fmt.Errorf("oncall: replace policy: %w", err)
	}
	s.forget(old.ID)
	def, err := s.DefaultPolicyID(ctx, c.ForceID)
	if err != nil {
		return Policy{}, err
	}
	if def == old.ID {
		if _, err := s.SetDefault(ctx, p.ID); err != nil {
			return Policy{}, err
		}
	}
	return p, nil
}

// DeletePolicy deletes policy id of the caller's force. The default policy
// cannot be deleted while it is the default (409): new urgent reports
// would have nobody to page. Alerts already open keep it.
func (s *OnCall) DeletePolicy(ctx context.Context, id string) error {
	c, err := staff.Caller(ctx)
	if err != nil {
		return err
	}
	if _, err := s.livePolicy(ctx, c.ForceID, id); err != nil {
		return err
	}
	if def, err := s.DefaultPolicyID(ctx, c.ForceID); err != nil || def == id {
		if err != nil {
			return err
		}
		return &onCallConflict{detail: "this is the force's default policy; make another policy the default first"}
	}
	now := s.now().UTC()
	if err := s.rec.Record(ctx, audit.Entry{Actor: c.UserID, Action: "oncall.policy_deleted", ObjectType: "policy",
		ObjectID: id, Detail: map[string]string{"forceId": c.ForceID}}); err != nil {
		return err
	}
	_, err = s.db.Collection(colPolicies).UpdateOne(ctx, bson.D{{Key: "_id", Value: id}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "deletedAt", Value: now}}}})
	if err != nil {
		return fmt.Errorf("oncall: delete policy: %w", err)
	}
	s.forget(id)
	return nil
}

// forget drops policy id from the cache (its tiers are unchanged; only
// whether it is live changed).
func (s *OnCall) forget(id string) {
	s.mu.Lock()
	delete(s.policies, id)
	s.mu.Unlock()
}

// Overrides lists the caller's force's overrides that have not ended, by
// start time; rotationID, when set, narrows them to one rotation.
func (s *OnCall) Overrides(ctx context.Context, rotationID string) ([]Override, error) {
	c, err := staff.Caller(ctx)
	if err != nil {
		return nil, err
	}
	all, err := s.overrides(ctx, c.ForceID, s.now())
	if err != nil {
		return nil, err
	}
	out := all[:0]
	for _, o := range all {
		if rotationID == "" || o.RotationID == rotationID {
			out = append(out, o)
		}
	}
	slices.SortStableFunc(out, func(a, b Override) int { return a.Start.Compare(b.Start) })
	return out, nil
}

// DeleteOverride deletes override id of the caller's force at once: the
// next page resolves the rotation without it.
func (s *OnCall) DeleteOverride(ctx context.Context, id string) error {
	c, err := staff.Caller(ctx)
	if err != nil {
		return err
	}
	notFound := fmt.Errorf("oncall: override %s: %w", id, errkind.NotFound)
	o, err := database.FindByID[Override](ctx, s.db.Collection(colOverrides), id, notFound)
	if err != nil {
		return err
	}
	if o.ForceID != c.ForceID {
		return notFound
	}
	if err := s.rec.Record(ctx, audit.Entry{Actor: c.UserID, Action: "oncall.override_deleted", ObjectType: "override",
		ObjectID: id, Detail: map[string]string{"forceId": o.ForceID, "rotationId": o.RotationID}}); err != nil {
		return err
	}
	if _, err := s.db.Collection(colOverrides).DeleteOne(ctx, bson.D{{Key: "_id", Value: id}}); err != nil {
		return fmt.Errorf("oncall: delete override: %w", err)
	}
	return nil
}

// SweepOverrides deletes every override that ended by now (the injected
// clock), each audited, and answers how many.
func (s *OnCall) SweepOverrides(ctx context.Context) (int, error) {
	var ended []Override
	f := bson.D{{Key: "end", Value: bson.D{{Key: "$lte", Value: s.now().UTC()}}}}
	cur, err := s.db.Collection(colOverrides).Find(ctx, f, options.Find().SetSort(bson.D{{Key: "end", Value: 1}}).SetLimit(500))
	if err != nil {
		return 0, fmt.Errorf("oncall: sweep overrides: %w", err)
	}
	if err := cur.All(ctx, &ended); err != nil {
		return 0, fmt.Errorf("oncall: sweep overrides: %w", err)
	}
	for _, o := range ended {
		if err := s.rec.Record(ctx, audit.Entry{Actor: "system", Action: "oncall.override_expired", ObjectType: "override",
			ObjectID: o.ID, Detail: map[string]string{"forceId": o.ForceID, "rotationId": o.RotationID}}); err != nil {
			return 0, err
		}
		if _, err := s.db.Collection(colOverrides).DeleteOne(ctx, bson.D{{Key: "_id", Value: o.ID}}); err != nil {
			return 0, fmt.Errorf("oncall: sweep overrides: %w", err)
		}
	}
	return len(ended), nil
}

// OverrideSweeper deletes ended overrides every interval.
func (s *OnCall) OverrideSweeper(interval time.Duration) func(ctx context.Context) {
	return func(ctx context.Context) {
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			if _, err := s.SweepOverrides(ctx); err != nil && ctx.Err() == nil {
				s.rec.Log.WarnContext(ctx, "override sweep failed", "error", err)
			}
		}
	}
}
