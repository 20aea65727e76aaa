package reports

import (
	"slices"
	"testing"
	"time"
)

func TestUrgency(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 3, 10, 12, 0, 0, 0, time.UTC)
	at := func(d time.Duration) *time.Time { v := now.Add(d); return &v }
	tests := []struct {
		name    string
		report  Report
		urgent  bool
		reasons []Reason
	}{
		{"routine gifts", Report{Category: CategoryGiftsOrMoney}, false, nil},
		{"worried about friend, nothing else", Report{Category: CategoryWorriedAboutFriend}, false, nil},
		{"in danger now", Report{Category: CategorySomethingElse, Answers: Answers{InDangerNow: true}}, true, []Reason{ReasonInDangerNow}},
		{"happening now", Report{Category: CategorySexualMessages, Answers: Answers{HappeningNow: true}}, true, []Reason{ReasonHappeningNow}},
		{"meeting in 3 hours", Report{Category: CategoryAdultWantsToMeet, Answers: Answers{MeetingPlanned: true, MeetingAt: at(3 * time.Hour)}}, true, []Reason{ReasonMeetingSoon}},
		{"meeting in 23h59m", Report{Category: CategoryAdultWantsToMeet, Answers: Answers{MeetingPlanned: true, MeetingAt: at(24*time.Hour - time.Minute)}}, true, []Reason{ReasonMeetingSoon}},
		{"meeting in exactly 24h", Report{Category: CategoryAdultWantsToMeet, Answers: Answers{MeetingPlanned: true, MeetingAt: at(24 * time.Hour)}}, false, nil},
		{"meeting in 3 days", Report{Category: CategoryAdultWantsToMeet, Answers: Answers{MeetingPlanned: true, MeetingAt: at(72 * time.Hour)}}, false, nil},
		{"meeting planned, time unknown", Report{Category: CategoryAdultWantsToMeet, Answers: Answers{MeetingPlanned: true}}, true, []Reason{ReasonMeetingSoon}},
		{"meeting time already passed", Report{Category: CategoryAdultWantsToMeet, Answers: Answers{MeetingPlanned: true, MeetingAt: at(-2 * time.Hour)}}, true, []Reason{ReasonMeetingSoon}},
		{"threats to share images", Report{Category: CategoryThreatsToShareImages}, true, []Reason{ReasonThreatsToShareImages}},
		{"knows where I live and wants to meet", Report{Category: CategoryAdultWantsToMeet, Answers: Answers{KnowsWhereILive: true}}, true, []Reason{ReasonKnowsWhereILiveMeet}},
		{"knows where I live, nothing about meeting", Report{Category: CategoryGiftsOrMoney, Answers: Answers{KnowsWhereILive: true}}, false, nil},
		{"several rules", Report{Category: CategoryThreatsToShareImages, Answers: Answers{InDangerNow: true, HappeningNow: true}}, true,
			[]Reason{ReasonInDangerNow, ReasonHappeningNow, ReasonThreatsToShareImages}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			urgent, reasons := Urgency(&tt.report, now)
			if urgent != tt.urgent {
				t.Errorf("urgent: got %v, want %v", urgent, tt.urgent)
			}
			if !slices.Equal(reasons, tt.reasons) {
				t.Errorf("reasons: got %v, want %v", reasons, tt.reasons)
			}
		})
	}
}
