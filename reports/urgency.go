package reports

import "time"

// Reason names one urgency rule that a report met. Reasons are shown to the
// officer in the queue so that they can see at once why a case was paged.
type Reason string

// Urgency reasons. docs/urgency.md explains each one for the safeguarding
// professionals who review them.
const (
	ReasonInDangerNow          Reason = "in_danger_now"
	ReasonHappeningNow         Reason = "happening_now"
	ReasonMeetingSoon          Reason = "meeting_within_72h"
	ReasonMeetingYoungReporter Reason = "meeting_planned_reporter_13_or_under"
	ReasonThreatsToShareImages Reason = "threats_to_share_images"
	ReasonKnowsWhereILiveMeet  Reason = "knows_where_i_live_and_wants_to_meet"
)

// reasonMeetingWithin24h is the meeting rule's reason before the window
// became 72 hours; cases stored then still carry it.
const reasonMeetingWithin24h Reason = "meeting_within_24h"

// MeetingWindow is how soon a planned meeting makes a report urgent for a
// reporter of any age.
const MeetingWindow = 72 * time.Hour

// Severity ranks urgent cases in the queue: a lower value is listed first.
type Severity int

// Severities, most severe first.
const (
	// SeverityNow: the child is in danger or it is happening now.
	SeverityNow Severity = iota
	// SeverityMeeting: a meeting is planned; listed soonest meeting first.
	SeverityMeeting
	// SeverityUrgent: any other urgent rule.
	SeverityUrgent
	// SeverityRoutine: no rule met; listed oldest first.
	SeverityRoutine
)

// urgencyRule is one row of the urgency table.
type urgencyRule struct {
	reason   Reason
	severity Severity
	applies  func(r *Report, now time.Time) bool
}

// urgencyRules are THE rules that decide whether a report pages the on-call
// officers, one row each, most severe first. They err on the side of
// paging: a wrongly urgent report costs an officer a few minutes; a wrongly
// routine one can cost a child. docs/urgency.md is the same table in words.
//
//	reason                                 severity  rule
//	in_danger_now                          now       the reporter says they are in danger now
//	happening_now                          now       it is happening now
//	meeting_within_72h                     meeting   a meeting is planned within 72 hours, with no
//	                                                 time given, or at a time already passed
//	meeting_planned_reporter_13_or_under   meeting   a meeting is planned and the reporter is 13 or
//	                                                 under (age bands under 8, 8–10, 11–13), whatever the date
//	threats_to_share_images                urgent    someone threatens to share images (sextortion)
//	knows_where_i_live_and_wants_to_meet   urgent    the person knows where the child lives and
//	                                                 wants to meet (category or a planned meeting)
var urgencyRules = []urgencyRule{
	{ReasonInDangerNow, SeverityNow, func(r *Report, _ time.Time) bool { return r.Answers.InDangerNow }},
	{ReasonHappeningNow, SeverityNow, func(r *Report, _ time.Time) bool { return r.Answers.HappeningNow }},
	{ReasonMeetingSoon, SeverityMeeting, meetingWithinWindow},
	{ReasonMeetingYoungReporter, SeverityMeeting, func(r *Report, _ time.Time) bool {
		return r.Answers.MeetingPlanned && r.Answers.AgeBand.thirteenOrUnder()
	}},
	{ReasonThreatsToShareImages, SeverityUrgent, func(r *Report, _ time.Time) bool {
		return r.Category == CategoryThreatsToShareImages
	}},
	{ReasonKnowsWhereILiveMeet, SeverityUrgent, func(r *Report, _ time.Time) bool {
		return r.Answers.KnowsWhereILive && (r.Category == CategoryAdultWantsToMeet || r.Answers.MeetingPlanned)
	}},
}

// meetingWithinWindow: a meeting planned before now+MeetingWindow, or with no
// time given, or at a time already passed (the child may be wrong about it).
func meetingWithinWindow(r *Report, now time.Time) bool {
	a := r.Answers
	return a.MeetingPlanned && (a.MeetingAt == nil || a.MeetingAt.Before(now.Add(MeetingWindow)))
}

// thirteenOrUnder reports whether the band is of a reporter aged 13 or under.
func (a AgeBand) thirteenOrUnder() bool {
	return a == AgeUnder8 || a == Age8to10 || a == Age11to13
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

// Urgency applies the urgency rules to r at the store's clock: handlers ask
// the store rather than read the wall clock, so tests and every instance
// decide alike.
func (s *Store) Urgency(r *Report) (bool, []Reason) { return Urgency(r, s.now().UTC()) }

// SeverityOf returns the queue severity of a case with the given reasons:
// the most severe of its rules, or SeverityRoutine when it met none.
// Reasons this server no longer decides (stored by an older version) count
// as SeverityUrgent, except the former 24-hour meeting rule.
func SeverityOf(reasons []Reason) Severity {
	best := SeverityRoutine
	for _, got := range reasons {
		sev := SeverityUrgent
		if got == reasonMeetingWithin24h {
			sev = SeverityMeeting
		}
		for _, rule := range urgencyRules {
			if rule.reason == got {
				sev = rule.severity
			}
		}
		best = min(best, sev)
	}
	return best
}
