package reports

import (
	"encoding/json"
	"testing"
	"time"

	"speaksafe/accounts"
)

// TestStorageFormatsArePinned: the bytes sealed into stored cases, hashed
// into stored idempotency answers and signed into case exports are those
// every earlier release wrote. Were they to change, stored cases would not
// open, signed exports would not verify and a retry would be refused.
func TestStorageFormatsArePinned(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 11, 30, 1, 2, 3, 0, time.UTC)
	full := Report{ForceCode: "demo", Category: "online_contact", WhatHappened: "he said <x> & \"y\"",
		Answers: Answers{InDangerNow: true, MeetingPlanned: true, MeetingAt: &at,
			Handles: []Handle{{Platform: "snapchat", Handle: "abc"}}, AgeBand: "13-15"},
		Contact: &Contact{Name: "A", Phone: "07", MayContact: true}, RelatedReference: "REF"}
	bare := Report{ForceCode: "demo", Category: "something_else", WhatHappened: "w"}
	pupil := Pupil{FirstName: "Sam", YearGroup: "year_7", DateOfBirth: "2014-01-02"}
	concern := Concern{Category: "online_contact", WhatHappened: "w", ObservedAt: at, Pupil: pupil, ReferToMash: true}
	doc := &caseDoc{ID: "c1", Reference: "R1", ForceID: "f1", Category: "online_contact", Urgent: true,
		UrgentReasons: []Reason{"in_danger_now"}, Status: "open", CreatedAt: at, Identified: true, FirstReadAt: &at,
		FirstReadBy: "u1", RelatedReference: "R0"}
	detail := &CaseDetail{WhatHappened: "w", Answers: Answers{InDangerNow: true, MeetingAt: &at,
		Handles: []Handle{{Platform: "p", Handle: "h"}}}, Contact: &Contact{Email: "e@x"},
		Concern: &ConcernDetail{SchoolID: "s1", RaisedBy: "u2", ObservedAt: at, ReferToMash: true, Pupil: pupil}}
	js := func(v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	cases := []struct{ name, got, want string }{
		{"sealed handles", js(handlesFormatOf(full.Answers.Handles)), `[{"platform":"snapchat","handle":"abc"}]`},
		{"sealed contact", js(contactFormatOf(full.Contact)), `{"name":"A","phone":"07","mayContact":true}`},
		{"sealed pupil", js(pupilFormat(pupil)), `{"firstName":"Sam","yearGroup":"year_7","dateOfBirth":"2014-01-02"}`},
		{"report fingerprint", bodyHash(&full), "dc787676fc8cba5dd913facf4ba758a225cb413908688b632534cc4292edd117"},
		{"bare report fingerprint", bodyHash(&bare), "c91dad3fc04aba90e1cbb57824cd1affb0d9ccdc9a87778295fc73e386567f0a"},
		{"concern fingerprint", concernHash(accounts.Caller{OrgID: "school1"}, &concern),
			"3986d1fcff2da4e795a992bb3d1a58ad36ebd2d32180a441f4238a15c71addaf"},
		{"exported case", js(exportCaseOf(doc, detail)), `{"id":"c1","reference":"R1","kind":"report","forceId":"f1",` +
			`"category":"online_contact","urgent":true,"urgentReasons":["in_danger_now"],"status":"open",` +
			`"createdAt":"2026-11-30T01:02:03Z","whatHappened":"w","answers":{"inDangerNow":true,"happeningNow":false,` +
			`"meetingPlanned":false,"meetingAt":"2026-11-30T01:02:03Z","knowsWhereILive":false,` +
			`"handles":[{"platform":"p","handle":"h"}]},"identified":true,"contact":{"email":"e@x","mayContact":false},` +
			`"firstReadAt":"2026-11-30T01:02:03Z","firstReadBy":"u1","relatedReference":"R0","concern":{"schoolId":"s1",` +
			`"raisedBy":"u2","observedAt":"2026-11-30T01:02:03Z","parentsKnow":false,"referToMash":true,` +
			`"pupil":{"firstName":"Sam","yearGroup":"year_7","dateOfBirth":"2014-01-02"}}}`},
		{"exported bare case", js(exportCaseOf(&caseDoc{ID: "c2", CreatedAt: at}, &CaseDetail{})),
			`{"id":"c2","reference":"","kind":"report","forceId":"","category":"","urgent":false,"urgentReasons":[],` +
				`"status":"","createdAt":"2026-11-30T01:02:03Z","whatHappened":"","answers":{"inDangerNow":false,` +
				`"happeningNow":false,"meetingPlanned":false,"knowsWhereILive":false},"identified":false,"contact":null}`},
	}
	for _, tc := range cases {
		if tc.got != tc.want {
			t.Errorf("%s: got %s, want %s", tc.name, tc.got, tc.want)
		}
	}
}
