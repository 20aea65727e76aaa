package oncall

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"speaksafe/accounts"
	"speaksafe/audit"
	"speaksafe/database"
	"speaksafe/devices"
	"speaksafe/errkind"
	"speaksafe/internal/staff"
)

// CreatePolicy stores an escalation policy of the caller's force. Rotations
// and users it names must belong to that force.
func (s *OnCall) CreatePolicy(ctx context.Context, p Policy) (Policy, error) {
	c, err := staff.Caller(ctx)
	if err != nil {
		return Policy{}, err
	}
	if err := s.checkPolicy(ctx, c.ForceID, p); err != nil {
		return Policy{}, err
	}
	p.ID, p.ForceID, p.CreatedBy, p.CreatedAt = database.NewID(), c.ForceID, c.UserID, s.now().UTC()
	if err := s.rec.Record(ctx, audit.Entry{Actor: c.UserID, Action: "oncall.policy_created", ObjectType: "policy",
		ObjectID: p.ID, Detail: map[string]string{"forceId": p.ForceID}}); err != nil {
		return Policy{}, err
	}
	if _, err := s.db.Collection(colPolicies).InsertOne(ctx, p); err != nil {
		return Policy{}, fmt.Errorf("oncall: create policy: %w", err)
	}
	return p, nil
}

// checkPolicy reports every problem with p as a policy of forceID: its
// fields, its webhooks' addresses, then its rotations and users.
func (s *OnCall) checkPolicy(ctx context.Context, forceID string, p Policy) error {
	v := &errkind.ValidationError{}
	if err := p.Validate(s.minDelay); err != nil {
		ve := asValidation(err)
		if ve == nil {
			return err
		}
		v.Fields = append(v.Fields, ve.Fields...)
	}
	for i, t := range p.Tiers {
		if t.Webhook != nil {
			v.Check(s.webhooks.CheckURL(t.Webhook.URL) != nil, fmt.Sprintf("tiers[%d].webhook.url", i),
				"must be a public address: loopback, private, link-local and metadata addresses are refused")
		}
	}
	if err := v.Err(); err != nil {
		return err
	}
	return s.checkTierTargets(ctx, forceID, p)
}

// checkTierTargets makes sure the rotations and users of p's tiers belong
// to forceID, naming every one that does not.
func (s *OnCall) checkTierTargets(ctx context.Context, forceID string, p Policy) error {
	v := &errkind.ValidationError{}
	for i, t := range p.Tiers {
		if t.RotationID != "" {
			_, err := s.liveRotation(ctx, forceID, t.RotationID)
			v.Check(err != nil, fmt.Sprintf("tiers[%d].rotationId", i), "is not a rotation of this force")
		}
		if len(t.UserIDs) > 0 {
			if err := s.checkMembers(ctx, forceID, fmt.Sprintf("tiers[%d].userIds", i), t.UserIDs); err != nil {
				ve := asValidation(err)
				if ve == nil {
					return err
				}
				v.Fields = append(v.Fields, ve.Fields...)
			}
		}
	}
	return v.Err()
}

// Policies lists the caller's force's policies and says which is default.
func (s *OnCall) Policies(ctx context.Context) ([]Policy, string, error) {
	c, err := staff.Caller(ctx)
	if err != nil {
		return nil, "", err
	}
	var all []Policy
	if err := s.find(ctx, colPolicies, bson.D{{Key: "forceId", Value: c.ForceID}}, &all); err != nil {
		return nil, "", err
	}
	out := all[:0]
	for _, p := range all {
		if p.Live() {
			out = append(out, p)
		}
	}
	def, err := s.DefaultPolicyID(ctx, c.ForceID)
	return out, def, err
}

// Policy returns policy id if it belongs to forceID (by _id, force checked
// in code; cached because policies never change).
func (s *OnCall) Policy(ctx context.Context, forceID, id string) (Policy, error) {
	s.mu.RLock()
	p, ok := s.policies[id]
	s.mu.RUnlock()
	if !ok {
		var err error
		p, err = database.FindByID[Policy](ctx, s.db.Collection(colPolicies), id, fmt.Errorf("oncall: policy %s: %w", id, errkind.NotFound))
		if err != nil {
			return Policy{}, err
		}
		s.mu.Lock()
		s.policies[id] = p
		s.mu.Unlock()
	}
	if p.ForceID != forceID {
		return Policy{}, fmt.Errorf("oncall: policy %s: %w", id, errkind.NotFound)
	}
	return p, nil
}

type defaultDoc struct {
	ForceID   string    `bson:"_id"`
	PolicyID  string    `bson:"policyId"`
	SetBy     string    `bson:"setBy"`
	UpdatedAt time.Time `bson:"updatedAt"`
}

// SetDefault makes policy id the one urgent reports of the caller's force
// use. Alerts already open keep the policy they started with.
func (s *OnCall) SetDefault(ctx context.Context, id string) (Policy, error) {
	c, err := staff.Caller(ctx)
	if err != nil {
		return Policy{}, err
	}
	p, err := s.livePolicy(ctx, c.ForceID, id)
	if err != nil {
		return Policy{}, err
	}
	previous, err := s.DefaultPolicyID(ctx, c.ForceID)
	if err != nil {
		return Policy{}, err
	}
	detail := map[string]string{"forceId": c.ForceID}
	if previous != "" {
		detail["previousPolicyId"] = previous
	}
	if err := s.rec.Record(ctx, audit.Entry{Actor: c.UserID, Action: "oncall.default_policy_set", ObjectType: "policy",
		ObjectID: id, Detail: detail}); err != nil {
		return Policy{}, err
	}
	d := defaultDoc{ForceID: c.ForceID, PolicyID: id, SetBy: c.UserID, UpdatedAt: s.now().UTC()}
	_, err = s.db.Collection(colDefaults).ReplaceOne(ctx, bson.D{{Key: "_id", Value: c.ForceID}}, d,
		options.Replace().SetUpsert(true))
	if err != nil {
		return Policy{}, fmt.Errorf("oncall: set default policy: %w", err)
	}
	return p, nil
}

// DefaultPolicyID returns the id of the default escalation policy of
// force forceID, "" when it has none. It reads without a caller, for the
// alert engine and the pagers.
func (s *OnCall) DefaultPolicyID(ctx context.Context, forceID string) (string, error) {
	d, err := database.FindByID[defaultDoc](ctx, s.db.Collection(colDefaults), forceID, nil)
	if err != nil {
		return "", fmt.Errorf("oncall: default policy of %s: %w", forceID, err)
	}
	return d.PolicyID, nil // "" when the force has none
}

// Why a tier would reach nobody now.
const (
	GapNobodyOnCall = "nobody-on-call"
	GapNoLiveDevice = "no-live-device"
)

// TierNow is who a tier would reach at one moment.
type TierNow struct {
	Index      int
	RotationID string
	UserIDs    []string
	// Members are UserIDs with their device states (empty for a webhook).
	Members []MemberNow
	Webhook bool
	// Gap is true when the tier would reach nobody; GapReason says why.
	Gap       bool
	GapReason string
}

// MemberNow is one member a tier reaches, by name, and how their phones
// can be paged.
type MemberNow struct {
	UserID  string
	Name    string
	Devices devices.DeviceState
}

// ResolveTier returns the active members of forceID that tier t reaches at
// at. A webhook tier reaches no users.
func (s *OnCall) ResolveTier(ctx context.Context, forceID string, t Tier, at time.Time) ([]string, error) {
	users, err := s.ResolveTierUsers(ctx, forceID, t, at)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(users))
	for i, u := range users {
		ids[i] = u.ID
	}
	return ids, nil
}

// ResolveTierUsers is ResolveTier with the accounts as they were read, so
// that the alert engine can check their phones without reading them again.
func (s *OnCall) ResolveTierUsers(ctx context.Context, forceID string, t Tier, at time.Time) ([]accounts.User, error) {
	var ids []string
	switch {
	case t.RotationID != "":
		r, err := s.Rotation(ctx, forceID, t.RotationID)
		if err != nil {
			return nil, err
		}
		ovs, err := s.overrides(ctx, forceID, at)
		if err != nil {
			return nil, err
		}
		ids = OnCallUsers(r, ovs, at)
	case len(t.UserIDs) > 0:
		ids = dedupe(t.UserIDs)
	}
	out := make([]accounts.User, 0, len(ids))
	for _, id := range ids {
		u, ok, err := staff.Active(ctx, s.users, id, forceID)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, u)
		}
	}
	return out, nil
}

// Now says who each tier of the caller's force's default policy reaches
// now. The policy id is empty when the force has no default policy.
func (s *OnCall) Now(ctx context.Context) (string, []TierNow, error) {
	c, err := staff.Caller(ctx)
	if err != nil {
		return "", nil, err
	}
	id, err := s.DefaultPolicyID(ctx, c.ForceID)
	if err != nil || id == "" {
		return "", nil, err
	}
	p, err := s.Policy(ctx, c.ForceID, id)
	if err != nil {
		return "", nil, err
	}
	now := s.now()
	out := make([]TierNow, 0, len(p.Tiers))
	for i, t := range p.Tiers {
		tn := TierNow{Index: i, RotationID: t.RotationID, Webhook: t.Webhook != nil}
		if !tn.Webhook {
			if tn.UserIDs, err = s.ResolveTier(ctx, c.ForceID, t, now); err != nil {
				return "", nil, err
			}
			if tn.Members, err = s.membersNow(ctx, tn.UserIDs, now); err != nil {
				return "", nil, err
			}
			tn.Gap, tn.GapReason = tierGap(tn)
		}
		out = append(out, tn)
	}
	return id, out, nil
}

// membersNow adds each member's name and device state (none without a
// device store).
func (s *OnCall) membersNow(ctx context.Context, ids []string, now time.Time) ([]MemberNow, error) {
	out := make([]MemberNow, 0, len(ids))
	for _, id := range ids {
		u, err := s.users.LookupUser(ctx, id)
		if err != nil {
			return nil, fmt.Errorf("oncall: on-call member: %w", err)
		}
		m := MemberNow{UserID: id, Name: u.Name}
		if s.devices != nil {
			if m.Devices, err = s.devices.StateOf(ctx, u, now); err != nil {
				return nil, err
			}
		}
		out = append(out, m)
	}
	return out, nil
}

// tierGap says whether a user tier would reach nobody now, and why: nobody
// is on call, or no one on call has a phone that can be paged.
func tierGap(tn TierNow) (bool, string) {
	if len(tn.UserIDs) == 0 {
		return true, GapNobodyOnCall
	}
	for _, m := range tn.Members {
		if m.Devices.State == "" || !m.Devices.Gap() {
			return false, ""
		}
	}
	return true, GapNoLiveDevice
}
