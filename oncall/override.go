package oncall

import (
	"time"

	"speaksafe/errkind"
)

// Override modes.
const (
	// OverrideAdd puts UserID on call alongside whoever the rotation has.
	OverrideAdd = "add"
	// OverrideReplace puts UserID on call instead of ReplaceUserID (or
	// instead of whoever is on call when ReplaceUserID is empty).
	OverrideReplace = "replace"
)

// Override changes who is on call in a rotation for a window [Start, End).
type Override struct {
	ID         string `bson:"_id"`
	ForceID    string `bson:"forceId"`
	RotationID string `bson:"rotationId"`

	Mode          string `bson:"mode"`                    // OverrideAdd or OverrideReplace
	UserID        string `bson:"userId"`                  // who goes on call
	ReplaceUserID string `bson:"replaceUserId,omitempty"` // with OverrideReplace: whom they stand in for

	Start time.Time `bson:"start"`
	End   time.Time `bson:"end"` // exclusive; at most MaxOverrideWindow after Start

	CreatedBy string    `bson:"createdBy"`
	CreatedAt time.Time `bson:"createdAt"`
}

// MaxOverrideWindow bounds an override: longer changes belong in the rotation.
const MaxOverrideWindow = 31 * 24 * time.Hour

// Validate checks every field and reports all problems at once.
func (o Override) Validate() error {
	v := &errkind.ValidationError{}
	v.Check(o.RotationID == "", "rotationId", "is required")
	v.Check(o.Mode != OverrideAdd && o.Mode != OverrideReplace, "mode", "must be add or replace")
	v.Check(o.UserID == "" || len(o.UserID) > 64, "userId", "must be a user id")
	v.Check(o.Mode == OverrideAdd && o.ReplaceUserID != "", "replaceUserId", "only applies to replace")
	v.Check(o.Start.IsZero(), "start", "is required")
	v.Check(o.End.IsZero(), "end", "is required")
	v.Check(!o.Start.IsZero() && !o.End.After(o.Start), "end", "must be after start")
	v.Check(o.End.Sub(o.Start) > MaxOverrideWindow, "end", "must be within 31 days of start")
	return v.Err()
}

// Active reports whether o applies at t.
func (o Override) Active(t time.Time) bool {
	return !t.Before(o.Start) && t.Before(o.End)
}

// OnCallUsers returns who is on call in rotation r at t after applying the
// overrides that belong to r. The result has no duplicates and keeps a
// stable order (rotation member first, then additions in override order).
// It is pure, so it is table-tested without a database.
func OnCallUsers(r Rotation, overrides []Override, t time.Time) []string {
	var users []string
	if u := r.OnCallAt(t); u != "" {
		users = append(users, u)
	}
	for _, o := range overrides {
		if o.RotationID != r.ID || !o.Active(t) {
			continue
		}
		switch o.Mode {
		case OverrideReplace:
			users = replace(users, o.ReplaceUserID, o.UserID)
		case OverrideAdd:
			users = append(users, o.UserID)
		}
	}
	return dedupe(users)
}

func replace(users []string, old, with string) []string {
	if old == "" {
		return []string{with}
	}
	out := make([]string, 0, len(users))
	for _, u := range users {
		if u == old {
			u = with
		}
		out = append(out, u)
	}
	return out
}

func dedupe(in []string) []string {
	seen := make(map[string]bool, len(in))
	out := in[:0:0]
	for _, u := range in {
		if !seen[u] {
			seen[u] = true
			out = append(out, u)
		}
	}
	return out
}
