package reports

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"speaksafe/errkind"
)

func TestNegotiateLocale(t *testing.T) {
	t.Parallel()
	tests := []struct {
		accept   string
		explicit []string
		want     Locale
	}{
		{"", nil, LocaleEN},
		{"cy", nil, LocaleCY},
		{"CY-gb", nil, LocaleCY},
		{"fr, de;q=0.9", nil, LocaleEN},
		{"fr, cy;q=0.2", nil, LocaleCY},
		{"cy;q=0.5, en;q=0.8", nil, LocaleEN},
		{"cy;q=bad, en;q=0.1", nil, LocaleEN},
		{"cy;q=0", nil, LocaleEN},
		{"en", []string{"cy"}, LocaleCY},
		{"cy", []string{"xx", "en"}, LocaleEN},
		{"cy", []string{"", ""}, LocaleCY},
	}
	for _, tt := range tests {
		if got := NegotiateLocale(tt.accept, tt.explicit...); got != tt.want {
			t.Errorf("NegotiateLocale(%q, %q): got %s, want %s", tt.accept, tt.explicit, got, tt.want)
		}
	}
}

// Routine guidance says when the force's team reads reports, from the
// force's stated hours, in the child's language; without stated hours it
// says so in general words.
func TestRoutineGuidanceSaysWhenItWillBeRead(t *testing.T) {
	t.Parallel()
	weekdays := &ReadingHours{FirstDay: time.Monday, LastDay: time.Friday, From: 8, To: 18}
	tests := []struct {
		name  string
		l     Locale
		hours *ReadingHours
		want  string
	}{
		{"en stated", LocaleEN, weekdays, "Monday to Friday, from 08:00 to 18:00"},
		{"cy stated", LocaleCY, weekdays, "o ddydd Llun i ddydd Gwener, o 08:00 tan 18:00"},
		{"en every day", LocaleEN, &ReadingHours{EveryDay: true, From: 0, To: 24}, "every day, from 00:00 to 24:00"},
		{"en none stated", LocaleEN, nil, "during their working hours"},
		{"en nonsense hours", LocaleEN, &ReadingHours{From: 18, To: 8}, "during their working hours"},
		{"cy none stated", LocaleCY, nil, "yn ystod eu horiau gwaith"},
	}
	for _, tt := range tests {
		g := GuidanceIn(tt.l, GuidanceCase{Anonymous: true, Hours: tt.hours})
		if !strings.Contains(g.WhatHappensNext, tt.want) {
			t.Errorf("%s: got %q, want it to contain %q", tt.name, g.WhatHappensNext, tt.want)
		}
	}
	if g := GuidanceIn(LocaleEN, GuidanceCase{Urgent: true, Anonymous: true, Hours: weekdays}); strings.Contains(g.WhatHappensNext, "Monday") {
		t.Errorf("urgent guidance talks of reading hours: %q", g.WhatHappensNext)
	}
}

func TestLocalGuidanceReadsTheForcesHours(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.store.cfg.Hours = HoursFunc(func(_ context.Context, forceID string) (ReadingHours, bool, error) {
		if forceID != forceA {
			return ReadingHours{}, false, nil
		}
		return ReadingHours{FirstDay: time.Monday, LastDay: time.Saturday, From: 9, To: 17}, true, nil
	})
	r := routine("gifts")
	sub := e.submit(t, r)
	g := e.store.LocalGuidance(context.Background(), &r, sub, LocaleEN)
	if !strings.Contains(g.WhatHappensNext, "Monday to Saturday, from 09:00 to 17:00") {
		t.Errorf("force A: got %q", g.WhatHappensNext)
	}
	other := Report{ForceCode: "cd", Category: CategoryGiftsOrMoney, WhatHappened: "x"}
	if g := e.store.LocalGuidance(context.Background(), &other, sub, LocaleEN); !strings.Contains(g.WhatHappensNext, "working hours") {
		t.Errorf("force without stated hours: got %q", g.WhatHappensNext)
	}
}

func TestCaseTextFollowsTheCase(t *testing.T) {
	t.Parallel()
	for _, l := range []Locale{LocaleEN, LocaleCY} {
		seen := map[string]bool{}
		for _, c := range []struct {
			s    Status
			read bool
		}{{StatusNew, false}, {StatusNew, true}, {StatusInProgress, true}, {StatusClosed, true}} {
			txt := CaseText(c.s, c.read, l)
			if txt == "" || seen[txt] {
				t.Errorf("%s %s read=%v: text %q is empty or the same as another status's", l, c.s, c.read, txt)
			}
			seen[txt] = true
		}
	}
}

// Every field message a child's report can get has a Welsh text.
func TestEveryReportFieldMessageHasWelsh(t *testing.T) {
	t.Parallel()
	at := time.Now()
	bad := []Report{
		{ForceCode: "!", Category: "x", WhatHappened: "", Answers: Answers{MeetingAt: &at, AgeBand: "x",
			Handles: make([]Handle, MaxHandles+1)}, Contact: &Contact{Phone: "x", Email: "x", MayContact: true}},
		{ForceCode: "AB", Category: CategoryGiftsOrMoney, WhatHappened: strings.Repeat("a", MaxWhatHappened+1),
			Contact: &Contact{Name: "\x01", MayContact: true}},
		{ForceCode: "AB", Category: CategoryGiftsOrMoney, WhatHappened: "\xff"},
	}
	n := 0
	for _, r := range bad {
		var v *errkind.ValidationError
		if !errors.As(r.Validate(), &v) {
			t.Fatal("want a validation error")
		}
		for _, f := range v.Fields {
			n++
			if FieldText(f.Message, LocaleCY) == f.Message {
				t.Errorf("%s: %q has no Welsh", f.Field, f.Message)
			}
			if FieldText(f.Message, LocaleEN) != f.Message {
				t.Errorf("%s: English changed", f.Field)
			}
		}
	}
	if n < 10 {
		t.Fatalf("only %d field messages checked", n)
	}
}
