package oncall

import (
	"reflect"
	"testing"
	"time"
)

func london(t *testing.T, s string) time.Time {
	t.Helper()
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	v, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestRotationOnCallAtIsDSTCorrect(t *testing.T) {
	t.Parallel()
	daily := Rotation{Members: []string{"a", "b", "c"}, ShiftHours: 24, Handover: "08:00",
		TimeZone: "Europe/London", StartDate: "2025-03-01"}
	twelve := daily
	twelve.ShiftHours = 12
	twelve.Members = []string{"day", "night"}
	tests := []struct {
		name string
		r    Rotation
		at   string
		want string
	}{
		{"before start", daily, "2025-03-01 07:59", ""},
		{"first shift", daily, "2025-03-01 08:00", "a"},
		{"second shift", daily, "2025-03-02 08:00", "b"},
		{"wraps", daily, "2025-03-04 09:00", "a"},
		// Clocks go forward at 01:00 on 30 March 2025: the 08:00 hand-over
		// the next morning still happens at 08:00 local (07:00 UTC).
		{"spring forward day before handover", daily, "2025-03-31 07:59", "c"},
		{"spring forward handover", daily, "2025-03-31 08:00", "a"},
		// Clocks go back at 02:00 on 26 October 2025.
		{"autumn before handover", daily, "2025-10-27 07:59", daily.OnCallAt(london(t, "2025-10-26 08:00"))},
		{"twelve hour day", twelve, "2025-03-30 12:00", "day"},
		{"twelve hour night", twelve, "2025-03-30 20:00", "night"},
		{"twelve hour night across DST", twelve, "2025-03-31 07:59", "night"},
		{"twelve hour morning after DST", twelve, "2025-03-31 08:00", "day"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := tc.r.OnCallAt(london(t, tc.at)); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
	// The autumn case must actually hand over at 08:00 local.
	if a, b := daily.OnCallAt(london(t, "2025-10-27 07:59")), daily.OnCallAt(london(t, "2025-10-27 08:00")); a == b {
		t.Errorf("got same member %q either side of the 08:00 hand-over after clocks went back", a)
	}
}

func TestOnCallAppliesOverrides(t *testing.T) {
	t.Parallel()
	r := Rotation{ID: "r1", Members: []string{"a", "b"}, ShiftHours: 24, Handover: "08:00",
		TimeZone: "Europe/London", StartDate: "2025-01-01"}
	at := london(t, "2025-01-01 12:00") // a is on call
	win := func(mode, user, replace string) Override {
		return Override{RotationID: "r1", Mode: mode, UserID: user, ReplaceUserID: replace,
			Start: at.Add(-time.Hour), End: at.Add(time.Hour)}
	}
	past := win(OverrideReplace, "x", "")
	past.End = at
	other := win(OverrideAdd, "y", "")
	other.RotationID = "r2"
	tests := []struct {
		name      string
		overrides []Override
		want      []string
	}{
		{"none", nil, []string{"a"}},
		{"add", []Override{win(OverrideAdd, "x", "")}, []string{"a", "x"}},
		{"replace whoever", []Override{win(OverrideReplace, "x", "")}, []string{"x"}},
		{"replace named", []Override{win(OverrideReplace, "x", "a")}, []string{"x"}},
		{"replace someone not on call", []Override{win(OverrideReplace, "x", "b")}, []string{"a"}},
		{"ended window ignored", []Override{past}, []string{"a"}},
		{"other rotation ignored", []Override{other}, []string{"a"}},
		{"add self no duplicate", []Override{win(OverrideAdd, "a", "")}, []string{"a"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := OnCallUsers(r, tc.overrides, at); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestPolicyValidate(t *testing.T) {
	t.Parallel()
	hook := &Webhook{URL: "https://control.example/hook"}
	good := Policy{Name: "p", Tiers: []Tier{{RotationID: "r", DelaySeconds: 60}, {Webhook: hook, DelaySeconds: 60}}}
	tests := []struct {
		name   string
		mutate func(*Policy)
		fields []string
	}{
		{"valid", func(*Policy) {}, nil},
		{"delay below minimum", func(p *Policy) { p.Tiers[0].DelaySeconds = 5 }, []string{"tiers[0].delaySeconds"}},
		{"two kinds", func(p *Policy) { p.Tiers[0].UserIDs = []string{"u"} }, []string{"tiers[0]"}},
		{"no webhook tier", func(p *Policy) { p.Tiers = p.Tiers[:1] }, []string{"tiers"}},
		{"http webhook", func(p *Policy) { p.Tiers[1].Webhook = &Webhook{URL: "http://x"} },
			[]string{"tiers[1].webhook.url"}},
		{"all at once", func(p *Policy) { p.Name = ""; p.Repeat = 99 }, []string{"name", "repeat"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := good
			p.Tiers = append([]Tier(nil), good.Tiers...)
			tc.mutate(&p)
			var got []string
			if err := p.Validate(time.Minute); err != nil {
				got = append(got, fieldsOf(t, err)...)
			}
			if !reflect.DeepEqual(got, tc.fields) {
				t.Errorf("got fields %v, want %v", got, tc.fields)
			}
		})
	}
}
