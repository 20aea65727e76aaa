package reports

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"speaksafe/errkind"
)

func fields(err error) []string {
	var v *errkind.ValidationError
	if !errors.As(err, &v) {
		return nil
	}
	var out []string
	for _, f := range v.Fields {
		out = append(out, f.Field)
	}
	slices.Sort(out)
	return out
}

func TestReportValidate(t *testing.T) {
	t.Parallel()
	meet := time.Now()
	valid := func() Report {
		return Report{ForceCode: "AB", Category: CategoryAskedForImages, WhatHappened: "he keeps asking"}
	}
	tests := []struct {
		name   string
		modify func(r *Report)
		want   []string
	}{
		{"valid anonymous", func(r *Report) {}, nil},
		{"valid identified", func(r *Report) {
			r.Contact = &Contact{Name: "Sam", Phone: "+44 7700 900123", MayContact: true, SafeTimes: "after school"}
		}, nil},
		{"valid answers", func(r *Report) {
			r.Answers = Answers{MeetingPlanned: true, MeetingAt: &meet, AgeBand: Age11to13,
				Handles: []Handle{{Platform: "Snapchat", Handle: "@someone"}}}
		}, nil},
		{"everything wrong at once", func(r *Report) {
			r.ForceCode, r.Category, r.WhatHappened = "", "nudes", ""
			r.Answers.AgeBand = "42"
			r.Answers.MeetingAt = &meet
		}, []string{"answers.ageBand", "answers.meetingAt", "category", "forceCode", "whatHappened"}},
		{"text too long", func(r *Report) { r.WhatHappened = strings.Repeat("a", MaxWhatHappened+1) }, []string{"whatHappened"}},
		{"text at the cap, multibyte", func(r *Report) { r.WhatHappened = strings.Repeat("é", MaxWhatHappened) }, nil},
		{"control characters", func(r *Report) { r.WhatHappened = "a\x00b" }, []string{"whatHappened"}},
		{"newlines are fine", func(r *Report) { r.WhatHappened = "line one\nline two\r\n\tindented" }, nil},
		{"invalid UTF-8", func(r *Report) { r.WhatHappened = "a\xffb" }, []string{"whatHappened"}},
		{"too many handles", func(r *Report) {
			for range MaxHandles + 1 {
				r.Answers.Handles = append(r.Answers.Handles, Handle{Handle: "x"})
			}
		}, []string{"answers.handles"}},
		{"empty handle, long platform", func(r *Report) {
			r.Answers.Handles = []Handle{{Platform: strings.Repeat("p", MaxPlatform+1)}}
		}, []string{"answers.handles[0].handle", "answers.handles[0].platform"}},
		{"may contact without a way to", func(r *Report) { r.Contact = &Contact{Name: "Sam", MayContact: true} }, []string{"contact"}},
		{"bad phone and email", func(r *Report) { r.Contact = &Contact{Phone: "call me", Email: "not-an-email"} },
			[]string{"contact.email", "contact.phone"}},
		{"email with display name", func(r *Report) { r.Contact = &Contact{Email: "Sam <sam@example.org>"} }, []string{"contact.email"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := valid()
			tt.modify(&r)
			r.Normalize()
			got := fields(r.Validate())
			if !slices.Equal(got, tt.want) {
				t.Errorf("field errors: got %v, want %v", got, tt.want)
			}
		})
	}
}

func FuzzReportValidate(f *testing.F) {
	f.Add("AB", "asked_for_images", "text", "@h", "+44 1", "a@b.c")
	f.Fuzz(func(t *testing.T, code, cat, text, handle, phone, email string) {
		r := Report{ForceCode: code, Category: Category(cat), WhatHappened: text,
			Answers: Answers{Handles: []Handle{{Handle: handle}}}, Contact: &Contact{Phone: phone, Email: email}}
		r.Normalize()
		_ = r.Validate() // must not panic
	})
}
