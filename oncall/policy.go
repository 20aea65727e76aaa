package oncall

import (
	"fmt"
	"net/url"
	"time"

	"speaksafe/errkind"
)

// Tier is one step of an escalation policy. Exactly one of RotationID,
// UserIDs and Webhook is set. DelaySeconds is how long to wait for an
// acknowledgement before the next tier.
type Tier struct {
	RotationID   string   `bson:"rotationId,omitempty"`
	UserIDs      []string `bson:"userIds,omitempty"`
	Webhook      *Webhook `bson:"webhook,omitempty"`
	DelaySeconds int      `bson:"delaySeconds"`
}

// Webhook is the control room's endpoint: FCM must not be the only channel
// for a life-safety alert. Requests are signed with the service's
// WEBHOOK_SECRET, so no secret is stored with a policy.
type Webhook struct {
	URL string `bson:"url"`
}

// Policy is an ordered list of tiers, walked 1+Repeat times until someone
// acknowledges. A policy's tiers never change once created, so that an
// alert can keep the id of the policy it started with: an edit stores a new
// version under a new id (ReplacedBy points to it) and a deletion only
// marks it (DeletedAt); both stop it being listed or made the default.
type Policy struct {
	ID        string    `bson:"_id"`
	ForceID   string    `bson:"forceId"`
	Name      string    `bson:"name"`
	Tiers     []Tier    `bson:"tiers"`
	Repeat    int       `bson:"repeat"`
	CreatedBy string    `bson:"createdBy"`
	CreatedAt time.Time `bson:"createdAt"`
	// Replaces is the policy this one is the new version of.
	Replaces   string     `bson:"replaces,omitempty"`
	ReplacedBy string     `bson:"replacedBy,omitempty"`
	DeletedAt  *time.Time `bson:"deletedAt,omitempty"`
}

// Live reports whether the policy is listed and may be made the default:
// neither replaced by a new version nor deleted.
func (p Policy) Live() bool { return p.ReplacedBy == "" && p.DeletedAt == nil }

// Limits of a policy.
const (
	MaxTiers        = 10
	MaxRepeat       = 10
	MaxDelaySeconds = 3600
)

// Validate checks every field against minDelay (ESCALATION_MIN_DELAY) and
// reports all problems at once. A policy must include a webhook tier: push
// alone is not an acceptable channel for a child in danger.
func (p Policy) Validate(minDelay time.Duration) error {
	v := &errkind.ValidationError{}
	v.Check(p.Name == "" || len(p.Name) > 100, "name", "must be 1 to 100 characters")
	v.Check(len(p.Tiers) == 0 || len(p.Tiers) > MaxTiers, "tiers", fmt.Sprintf("must have 1 to %d tiers", MaxTiers))
	v.Check(p.Repeat < 0 || p.Repeat > MaxRepeat, "repeat", fmt.Sprintf("must be 0 to %d", MaxRepeat))
	hasWebhook := false
	for i, t := range p.Tiers {
		f := fmt.Sprintf("tiers[%d]", i)
		kinds := 0
		if t.RotationID != "" {
			kinds++
		}
		if len(t.UserIDs) > 0 {
			kinds++
			v.Check(len(t.UserIDs) > 20, f+".userIds", "must list at most 20 users")
			for j, u := range t.UserIDs {
				v.Check(u == "" || len(u) > 64, fmt.Sprintf("%s.userIds[%d]", f, j), "must be a user id")
			}
		}
		if t.Webhook != nil {
			kinds++
			hasWebhook = true
			validateWebhook(v, f+".webhook", *t.Webhook)
		}
		v.Check(kinds != 1, f, "must have exactly one of rotationId, userIds, webhook")
		v.Check(time.Duration(t.DelaySeconds)*time.Second < minDelay, f+".delaySeconds",
			fmt.Sprintf("must be at least %d", int(minDelay/time.Second)))
		v.Check(t.DelaySeconds > MaxDelaySeconds, f+".delaySeconds", fmt.Sprintf("must be at most %d", MaxDelaySeconds))
	}
	v.Check(len(p.Tiers) > 0 && !hasWebhook, "tiers", "must include a control-room webhook tier")
	return v.Err()
}

func validateWebhook(v *errkind.ValidationError, f string, w Webhook) {
	u, err := url.Parse(w.URL)
	v.Check(err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil || len(w.URL) > 500,
		f+".url", "must be an https URL")
}

// Steps is how many tier steps an alert under p walks at most.
func (p Policy) Steps() int { return len(p.Tiers) * (1 + p.Repeat) }

// TierAt returns the tier of step n (0-based) and its round.
func (p Policy) TierAt(step int) (tier Tier, index, round int) {
	index = step % len(p.Tiers)
	return p.Tiers[index], index, step / len(p.Tiers)
}

// Window is the longest an alert under p can stay unacknowledged: it bounds
// the TTL of its pushes.
func (p Policy) Window(minDelay time.Duration) time.Duration {
	var d time.Duration
	for _, t := range p.Tiers {
		d += max(time.Duration(t.DelaySeconds)*time.Second, minDelay)
	}
	return d * time.Duration(1+p.Repeat)
}
