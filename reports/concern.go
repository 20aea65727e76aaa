package reports

import (
	"errors"
	"regexp"
	"strings"
	"time"

	"speaksafe/errkind"
)

// Kind says where a case came from.
type Kind string

// Kinds of case.
const (
	// KindReport is a young person's own report (stored with no kind).
	KindReport Kind = "report"
	// KindConcern is a school's concern about a pupil.
	KindConcern Kind = "concern"
)

// orReport answers KindReport for the empty kind of reports stored before
// kinds existed.
func (k Kind) orReport() Kind {
	if k == "" {
		return KindReport
	}
	return k
}

// Pupil is who a concern is about. It is sealed on the case and shown only
// to the officers of the school's force and, by first name and year group,
// to the school's own staff.
type Pupil struct {
	FirstName string
	// YearGroup is "nursery", "reception" or "year_1" to "year_13".
	YearGroup string
	// DateOfBirth is a calendar date, YYYY-MM-DD.
	DateOfBirth string
}

// Concern is what a school's safeguarding lead or member of staff raises
// about a pupil.
type Concern struct {
	// Category is optional; the urgency rules read it. Empty means something_else.
	Category Category
	// WhatHappened is what was seen or said.
	WhatHappened string
	// ObservedAt is when it was seen or said.
	ObservedAt  time.Time
	Pupil       Pupil
	InDangerNow bool
	ParentsKnow bool
	// ReferToMash asks for the concern to go to the area's MASH as well.
	ReferToMash bool
}

// Caps and rules of a concern's fields.
const (
	MaxPupilFirstName = 60
	// maxObservedAhead tolerates clocks a little ahead of the server's.
	maxObservedAhead = 10 * time.Minute
	// Pupils are 2 to 20 years old on the day a concern is raised.
	minPupilAge, maxPupilAge = 2, 20
)

var yearGroupPattern = regexp.MustCompile(`^(nursery|reception|year_([1-9]|1[0-3]))$`)

// Normalize trims surrounding space and puts the category and times in
// their stored form.
func (c *Concern) Normalize() {
	c.WhatHappened = strings.TrimSpace(c.WhatHappened)
	c.Pupil.FirstName = strings.TrimSpace(c.Pupil.FirstName)
	c.Pupil.YearGroup = strings.ToLower(strings.TrimSpace(c.Pupil.YearGroup))
	c.Pupil.DateOfBirth = strings.TrimSpace(c.Pupil.DateOfBirth)
	if c.Category == "" {
		c.Category = CategorySomethingElse
	}
	c.ObservedAt = c.ObservedAt.UTC().Truncate(time.Second)
}

// Validate reports every problem with c at time now.
func (c *Concern) Validate(now time.Time) error {
	v := &errkind.ValidationError{}
	v.Check(!c.Category.Valid(), "category", "must be one of the listed categories")
	checkText(v, "whatHappened", c.WhatHappened, MaxWhatHappened, true)
	v.Check(c.ObservedAt.IsZero(), "observedAt", "is required: when it was seen or said")
	v.Check(c.ObservedAt.After(now.Add(maxObservedAhead)), "observedAt", "must not be in the future")
	checkText(v, "pupil.firstName", c.Pupil.FirstName, MaxPupilFirstName, true)
	v.Check(!yearGroupPattern.MatchString(c.Pupil.YearGroup), "pupil.yearGroup", "must be nursery, reception or year_1 to year_13")
	if _, err := c.Pupil.age(now); err != nil {
		v.Add("pupil.dateOfBirth", err.Error())
	}
	return v.Err()
}

// age is the pupil's age in whole years at now.
func (p Pupil) age(now time.Time) (int, error) {
	dob, err := time.Parse(time.DateOnly, p.DateOfBirth)
	if err != nil {
		return 0, errors.New("must be a date, YYYY-MM-DD")
	}
	now = now.UTC()
	age := now.Year() - dob.Year()
	if now.Month() < dob.Month() || (now.Month() == dob.Month() && now.Day() < dob.Day()) {
		age--
	}
	if age < minPupilAge || age > maxPupilAge {
		return 0, errors.New("must be the date of birth of a pupil aged 2 to 20")
	}
	return age, nil
}

// ageBand is the reporter age band of a pupil of age years, which the
// report urgency rules read.
func ageBand(age int) AgeBand {
	switch {
	case age < 8:
		return AgeUnder8
	case age <= 10:
		return Age8to10
	case age <= 13:
		return Age11to13
	case age <= 17:
		return Age14to17
	}
	return Age18OrOld
}

// ReasonConcernAdultWantsToMeet is the concern-only urgency rule: a school
// reports that an adult wants to meet a pupil. The school rarely knows
// when, so it is treated like a meeting with no time given.
const ReasonConcernAdultWantsToMeet Reason = "concern_adult_wants_to_meet_pupil"

// ConcernUrgency applies the urgency rules to concern c at time now: the
// report rules read the concern as a report (in danger now, the category,
// the pupil's age band from the date of birth), then the concern rules
// follow. docs/urgency.md lists both.
func ConcernUrgency(c *Concern, now time.Time) (bool, []Reason) {
	r := Report{Category: c.Category, WhatHappened: c.WhatHappened, Answers: Answers{InDangerNow: c.InDangerNow}}
	if age, err := c.Pupil.age(now); err == nil {
		r.Answers.AgeBand = ageBand(age)
	}
	_, reasons := Urgency(&r, now)
	if c.Category == CategoryAdultWantsToMeet {
		reasons = append(reasons, ReasonConcernAdultWantsToMeet)
	}
	return len(reasons) > 0, reasons
}

// ConcernAdvice is what the answer to a raised concern tells the member of
// staff to do next, in plain words.
func ConcernAdvice(r ConcernReceipt) string {
	switch {
	case r.CallEmergencyNow:
		return "The pupil is in danger now: call 999 first, then follow your school's safeguarding procedure. The concern has reached the force and its on-call officers are being paged."
	case r.Urgent:
		return "The concern meets the urgency rules: the force's on-call officers are being paged. Follow your school's safeguarding procedure meanwhile."
	}
	return "The concern has reached the force's queue. You can follow its status here; for anything urgent, call 999."
}
