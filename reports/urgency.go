package reports

import "time"

// Reason names one urgency rule that a report met. Reasons are shown to the
// officer in the queue so that they can see at once why a case was paged.
type Reason string

// Urgency reasons.
const (
	ReasonInDangerNow          Reason = "in_danger_now"
	ReasonHappeningNow         Reason = "happening_now"
	ReasonMeetingSoon          Reason = "meeting_within_24h"
	ReasonThreatsToShareImages Reason = "threats_to_share_images"
	ReasonKnowsWhereILiveMeet  Reason = "knows_where_i_live_and_wants_to_meet"
)

// MeetingWindow is how soon a planned meeting makes a report urgent.
const MeetingWindow = 24 * time.Hour

// urgencyRules are THE rules that decide whether a report pages the on-call
// officers. They err on the side of paging: a wrongly urgent report costs an
// officer a few minutes; a wrongly routine one can cost a child.
//
//  1. The reporter says they are in danger now.
//  2. It is happening now.
//  3. A meeting is planned within 24 hours — or planned with no time given,
//     or at a time already passed (the child may be wrong about the time).
//  4. Someone threatens to share images (sextortion moves fast and has a
//     high risk of self-harm).
//  5. The person knows where the child lives and wants to meet.
var urgencyRules = []struct {
	reason  Reason
	applies func(r *Report, now time.Time) bool
}{
	{ReasonInDangerNow, func(r *Report, _ time.Time) bool { return r.Answers.InDangerNow }},
	{ReasonHappeningNow, func(r *Report, _ time.Time) bool { return r.Answers.HappeningNow }},
	{ReasonMeetingSoon, func(r *Report, now time.Time) bool {
		a := r.Answers
		return a.MeetingPlanned && (a.MeetingAt == nil || a.MeetingAt.Before(now.Add(MeetingWindow)))
	}},
	{ReasonThreatsToShareImages, func(r *Report, _ time.Time) bool {
		return r.Category == CategoryThreatsToShareImages
	}},
	{ReasonKnowsWhereILiveMeet, func(r *Report, _ time.Time) bool {
		return r.Answers.KnowsWhereILive && (r.Category == CategoryAdultWantsToMeet || r.Answers.MeetingPlanned)
	}},
}

// Urgency applies the urgency rules to r at time now and returns whether the
// report is urgent and every rule it met (nil when none).
func Urgency(r *Report, now time.Time) (bool, []Reason) {
	var reasons []Reason
	for _, rule := range urgencyRules {
		if rule.applies(r, now) {
			reasons = append(reasons, rule.reason)
		}
	}
	return len(reasons) > 0, reasons
}
