package reports

import (
	"slices"
	"testing"
	"time"
)

// The concern rules of docs/urgency.md: in danger now, the category rules
// and the concern-only adult-wants-to-meet rule; the pupil's age band from
// the date of birth on the day.
func TestConcernUrgency(t *testing.T) {
	now := time.Date(2031, 3, 10, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name     string
		c        Concern
		want     []Reason
		wantBand AgeBand
	}{
		{"routine", Concern{Category: CategoryGiftsOrMoney, Pupil: Pupil{DateOfBirth: "2018-05-14"}}, nil, Age11to13},
		{"in danger", Concern{Category: CategorySomethingElse, InDangerNow: true, Pupil: Pupil{DateOfBirth: "2018-05-14"}},
			[]Reason{ReasonInDangerNow}, Age11to13},
		{"sextortion", Concern{Category: CategoryThreatsToShareImages, Pupil: Pupil{DateOfBirth: "2015-03-10"}},
			[]Reason{ReasonThreatsToShareImages}, Age14to17},
		{"adult wants to meet", Concern{Category: CategoryAdultWantsToMeet, Pupil: Pupil{DateOfBirth: "2023-03-11"}},
			[]Reason{ReasonConcernAdultWantsToMeet}, AgeUnder8},
	} {
		urgent, got := ConcernUrgency(&tc.c, now)
		if urgent != (len(tc.want) > 0) || !slices.Equal(got, tc.want) {
			t.Errorf("%s: got urgent %v %v, want %v", tc.name, urgent, got, tc.want)
		}
		if age, err := tc.c.Pupil.age(now); err != nil || ageBand(age) != tc.wantBand {
			t.Errorf("%s: age band %v (%v), want %v", tc.name, ageBand(age), err, tc.wantBand)
		}
	}
}
