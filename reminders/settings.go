package reminders

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"speaksafe/accounts"
	"speaksafe/audit"
	"speaksafe/database"
	"speaksafe/errkind"
)

// collSettings holds one document per force that changed its thresholds,
// _id the force id; a force without one uses DefaultSettings.
const collSettings = "reminder_settings"

// Settings are a force's reminder thresholds. EscalateAfter is how long
// after a reminder reached the assigned officer it goes to the
// supervisors too.
type Settings struct {
	NotOpened     time.Duration
	UnreadMessage time.Duration
	NoActivity    time.Duration
	EscalateAfter time.Duration
}

// DefaultSettings are the thresholds of a force that set none.
func DefaultSettings() Settings {
	return Settings{NotOpened: 4 * time.Hour, UnreadMessage: 24 * time.Hour, NoActivity: 7 * 24 * time.Hour,
		EscalateAfter: 2 * time.Hour}
}

// bounds are the allowed range of each setting, by field name.
var bounds = []struct {
	field    string
	get      func(*Settings) time.Duration
	min, max time.Duration
}{
	{"notOpenedMinutes", func(s *Settings) time.Duration { return s.NotOpened }, 15 * time.Minute, 72 * time.Hour},
	{"unreadMessageMinutes", func(s *Settings) time.Duration { return s.UnreadMessage }, time.Hour, 7 * 24 * time.Hour},
	{"noActivityMinutes", func(s *Settings) time.Duration { return s.NoActivity }, 24 * time.Hour, 90 * 24 * time.Hour},
	{"escalateAfterMinutes", func(s *Settings) time.Duration { return s.EscalateAfter }, 15 * time.Minute, 7 * 24 * time.Hour},
}

// Validate reports every setting out of its range.
func (s Settings) Validate() error {
	v := &errkind.ValidationError{}
	for _, b := range bounds {
		d := b.get(&s)
		v.Check(d < b.min || d > b.max, b.field, fmt.Sprintf("must be %d to %d minutes", int(b.min.Minutes()), int(b.max.Minutes())))
	}
	return v.Err()
}

type settingsDoc struct {
	ForceID       string    `bson:"_id"`
	NotOpened     int64     `bson:"notOpenedSeconds"`
	UnreadMessage int64     `bson:"unreadMessageSeconds"`
	NoActivity    int64     `bson:"noActivitySeconds"`
	EscalateAfter int64     `bson:"escalateAfterSeconds"`
	UpdatedBy     string    `bson:"updatedBy"`
	UpdatedAt     time.Time `bson:"updatedAt"`
}

// forceSettings reads force forceID's thresholds.
func (s *Service) forceSettings(ctx context.Context, forceID string) (Settings, error) {
	d, err := database.FindByID[settingsDoc](ctx, s.d.DB.Collection(collSettings), forceID, nil)
	if err != nil {
		return Settings{}, fmt.Errorf("reminders: settings of %s: %w", forceID, err)
	}
	if d.ForceID == "" {
		return DefaultSettings(), nil
	}
	sec := func(n int64) time.Duration { return time.Duration(n) * time.Second }
	return Settings{NotOpened: sec(d.NotOpened), UnreadMessage: sec(d.UnreadMessage), NoActivity: sec(d.NoActivity),
		EscalateAfter: sec(d.EscalateAfter)}, nil
}

// Settings returns the thresholds of the caller's force, for its officers
// and supervisors.
func (s *Service) Settings(ctx context.Context) (Settings, error) {
	c, err := forceStaff(ctx)
	if err != nil {
		return Settings{}, err
	}
	return s.forceSettings(ctx, c.ForceID)
}

// SetSettings replaces the thresholds of the caller's force; supervisors
// only. The change is audited first: when the entry cannot be written,
// the settings stay as they were.
func (s *Service) SetSettings(ctx context.Context, set Settings) (Settings, error) {
	c, err := forceStaff(ctx)
	if err != nil {
		return Settings{}, err
	}
	if c.Role != accounts.RoleSupervisor {
		return Settings{}, fmt.Errorf("reminders: settings: %w", errkind.Forbidden)
	}
	if err := set.Validate(); err != nil {
		return Settings{}, err
	}
	m := func(x time.Duration) string { return strconv.Itoa(int(x.Minutes())) }
	err = s.d.Audit.Record(ctx, audit.Entry{Actor: c.UserID, Action: "reminders.settings_changed", ObjectType: "force", ObjectID: c.ForceID,
		Detail: map[string]string{"notOpenedMinutes": m(set.NotOpened), "unreadMessageMinutes": m(set.UnreadMessage),
			"noActivityMinutes": m(set.NoActivity), "escalateAfterMinutes": m(set.EscalateAfter)}})
	if err != nil {
		return Settings{}, fmt.Errorf("reminders: audit settings: %w", err)
	}
	d := settingsDoc{ForceID: c.ForceID, NotOpened: int64(set.NotOpened / time.Second), UnreadMessage: int64(set.UnreadMessage / time.Second),
		NoActivity: int64(set.NoActivity / time.Second), EscalateAfter: int64(set.EscalateAfter / time.Second),
		UpdatedBy: c.UserID, UpdatedAt: s.d.Now().UTC()}
	_, err = s.d.DB.Collection(collSettings).ReplaceOne(ctx, bson.D{{Key: "_id", Value: c.ForceID}}, d, options.Replace().SetUpsert(true))
	if err != nil {
		return Settings{}, fmt.Errorf("reminders: save settings: %w", err)
	}
	return set, nil
}

// forceStaff returns the caller when they are an officer or supervisor of
// a force; anyone else gets NotFound.
func forceStaff(ctx context.Context) (accounts.Caller, error) {
	c, ok := accounts.CallerFrom(ctx)
	if !ok || c.OrgKind != accounts.OrgForce || c.ForceID == "" ||
		(c.Role != accounts.RoleOfficer && c.Role != accounts.RoleSupervisor) {
		return accounts.Caller{}, fmt.Errorf("reminders: %w", errkind.NotFound)
	}
	return c, nil
}

// Limit is the allowed range of one setting, named as the API names it
// (notOpenedMinutes …).
type Limit struct {
	Field    string
	Min, Max time.Duration
}

// Limits lists the allowed range of every setting, in the order of
// Settings' fields.
func Limits() []Limit {
	out := make([]Limit, len(bounds))
	for i, b := range bounds {
		out[i] = Limit{Field: b.field, Min: b.min, Max: b.max}
	}
	return out
}
