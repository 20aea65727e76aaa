package reports

import (
	"slices"
	"testing"
	"time"
)

var urgencyNow = time.Date(2025, 3, 10, 12, 0, 0, 0, time.UTC)

func meetingIn(d time.Duration, band AgeBand) Report {
	a := Answers{MeetingPlanned: true, AgeBand: band}
	if d != 0 {
		at := urgencyNow.Add(d)
		a.MeetingAt = &at
	}
	return Report{Category: CategoryGiftsOrMoney, Answers: a}
}

type urgencyCase struct {
	name    string
	report  Report
	urgent  bool
	reasons []Reason
}

func checkUrgency(t *testing.T, tests []urgencyCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			urgent, reasons := Urgency(&tt.report, urgencyNow)
			if urgent != tt.urgent {
				t.Errorf("urgent: got %v, want %v", urgent, tt.urgent)
			}
			if !slices.Equal(reasons, tt.reasons) {
				t.Errorf("reasons: got %v, want %v", reasons, tt.reasons)
			}
		})
	}
}

// Rule: a planned meeting within 72 hours is urgent at any age.
func TestUrgencyRuleMeetingWithin72Hours(t *testing.T) {
	t.Parallel()
	soon := []Reason{ReasonMeetingSoon}
	checkUrgency(t, []urgencyCase{
		{"tomorrow, 26h, age 14-17", meetingIn(26*time.Hour, Age14to17), true, soon},
		{"in 71h59m, age not given", meetingIn(72*time.Hour-time.Minute, ""), true, soon},
		{"in exactly 72h, age 14-17", meetingIn(72*time.Hour, Age14to17), false, nil},
		{"in 5 days, age 14-17", meetingIn(5*24*time.Hour, Age14to17), false, nil},
		{"time not given", meetingIn(0, Age14to17), true, soon},
		{"time already passed", meetingIn(-2*time.Hour, ""), true, soon},
		{"no meeting planned", Report{Category: CategoryGiftsOrMoney, Answers: Answers{AgeBand: Age14to17}}, false, nil},
	})
}

// Rule: any planned meeting with a reporter aged 13 or under is urgent,
// whatever the date.
func TestUrgencyRuleMeetingWithReporter13OrUnder(t *testing.T) {
	t.Parallel()
	young := []Reason{ReasonMeetingYoungReporter}
	checkUrgency(t, []urgencyCase{
		{"11-13, in three weeks", meetingIn(21*24*time.Hour, Age11to13), true, young},
		{"8-10, in five days", meetingIn(5*24*time.Hour, Age8to10), true, young},
		{"under 8, in a month", meetingIn(30*24*time.Hour, AgeUnder8), true, young},
		{"11-13, tomorrow: both rules", meetingIn(26*time.Hour, Age11to13), true, []Reason{ReasonMeetingSoon, ReasonMeetingYoungReporter}},
		{"14-17, in three weeks", meetingIn(21*24*time.Hour, Age14to17), false, nil},
		{"18 or over, in three weeks", meetingIn(21*24*time.Hour, Age18OrOld), false, nil},
		{"11-13, no meeting", Report{Category: CategoryGiftsOrMoney, Answers: Answers{AgeBand: Age11to13}}, false, nil},
	})
}

// Rule: threats to share images are urgent.
func TestUrgencyRuleThreatsToShareImages(t *testing.T) {
	t.Parallel()
	checkUrgency(t, []urgencyCase{
		{"threats", Report{Category: CategoryThreatsToShareImages}, true, []Reason{ReasonThreatsToShareImages}},
		{"asked for images", Report{Category: CategoryAskedForImages}, false, nil},
	})
}

// Rule: an adult who knows where the child lives and wants to meet is urgent.
func TestUrgencyRuleKnowsWhereILiveAndWantsToMeet(t *testing.T) {
	t.Parallel()
	knows := []Reason{ReasonKnowsWhereILiveMeet}
	far := meetingIn(10*24*time.Hour, Age14to17)
	far.Answers.KnowsWhereILive = true
	checkUrgency(t, []urgencyCase{
		{"wants to meet", Report{Category: CategoryAdultWantsToMeet, Answers: Answers{KnowsWhereILive: true}}, true, knows},
		{"meeting planned in 10 days", far, true, knows},
		{"knows where I live, nothing about meeting", Report{Category: CategoryGiftsOrMoney, Answers: Answers{KnowsWhereILive: true}}, false, nil},
	})
}

// Rules: in danger now and happening now are urgent, and the first tells
// the app to show "call 999".
func TestUrgencyRuleInDangerOrHappeningNow(t *testing.T) {
	t.Parallel()
	checkUrgency(t, []urgencyCase{
		{"in danger now", Report{Category: CategorySomethingElse, Answers: Answers{InDangerNow: true}}, true, []Reason{ReasonInDangerNow}},
		{"happening now", Report{Category: CategorySexualMessages, Answers: Answers{HappeningNow: true}}, true, []Reason{ReasonHappeningNow}},
		{"several rules", Report{Category: CategoryThreatsToShareImages, Answers: Answers{InDangerNow: true, HappeningNow: true}}, true,
			[]Reason{ReasonInDangerNow, ReasonHappeningNow, ReasonThreatsToShareImages}},
		{"routine gifts", Report{Category: CategoryGiftsOrMoney}, false, nil},
		{"worried about friend", Report{Category: CategoryWorriedAboutFriend}, false, nil},
	})
}

func TestSeverityOf(t *testing.T) {
	t.Parallel()
	tests := []struct {
		reasons []Reason
		want    Severity
	}{
		{nil, SeverityRoutine},
		{[]Reason{ReasonThreatsToShareImages}, SeverityUrgent},
		{[]Reason{ReasonThreatsToShareImages, ReasonMeetingYoungReporter}, SeverityMeeting},
		{[]Reason{ReasonMeetingSoon, ReasonHappeningNow}, SeverityNow},
		{[]Reason{"meeting_within_24h"}, SeverityMeeting},
		{[]Reason{"a_rule_since_removed"}, SeverityUrgent},
	}
	for _, tt := range tests {
		if got := SeverityOf(tt.reasons); got != tt.want {
			t.Errorf("SeverityOf(%v): got %d, want %d", tt.reasons, got, tt.want)
		}
	}
}
