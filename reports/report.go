// Package reports takes reports from young people, keeps them encrypted as
// cases, lets the reporter come back to their case with a reference and a
// receipt, and lets the officers of the report's police force handle it.
package reports

import (
	"net/mail"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"speaksafe/errkind"
)

// Category is what the report is about, from a fixed list that the app shows
// in plain words.
type Category string

// Categories of report.
const (
	CategoryAskedForImages        Category = "asked_for_images"
	CategoryThreatsToShareImages  Category = "threats_to_share_images"
	CategoryImagesShared          Category = "images_shared"
	CategoryGiftsOrMoney          Category = "gifts_or_money"
	CategoryAdultWantsToMeet      Category = "adult_wants_to_meet"
	CategorySexualMessages        Category = "sexual_messages"
	CategoryPressuredOrControlled Category = "pressured_or_controlled"
	CategoryWorriedAboutFriend    Category = "worried_about_friend"
	CategorySomethingElse         Category = "something_else"
)

// Categories returns every category, in the order the app lists them.
func Categories() []Category {
	return []Category{
		CategoryAskedForImages, CategoryThreatsToShareImages, CategoryImagesShared,
		CategoryGiftsOrMoney, CategoryAdultWantsToMeet, CategorySexualMessages,
		CategoryPressuredOrControlled, CategoryWorriedAboutFriend, CategorySomethingElse,
	}
}

// Valid reports whether c is one of Categories.
func (c Category) Valid() bool {
	for _, k := range Categories() {
		if c == k {
			return true
		}
	}
	return false
}

// AgeBand is the reporter's age range, if they chose to say.
type AgeBand string

// Age bands; empty means not given.
const (
	AgeUnder8  AgeBand = "under_8"
	Age8to10   AgeBand = "8-10"
	Age11to13  AgeBand = "11-13"
	Age14to17  AgeBand = "14-17"
	Age18OrOld AgeBand = "18_or_over"
)

func (a AgeBand) valid() bool {
	switch a {
	case "", AgeUnder8, Age8to10, Age11to13, Age14to17, Age18OrOld:
		return true
	}
	return false
}

// Length caps, in characters. They bound document size and keep every
// field readable on a phone.
const (
	MaxWhatHappened = 5000
	MaxHandles      = 10
	MaxHandle       = 100
	MaxPlatform     = 40
	MaxName         = 100
	MaxPhone        = 32
	MaxEmail        = 254
	MaxSafeTimes    = 300
	MaxMessage      = 2000
	maxForceCode    = 32
)

// Handle is an online identity of the person the report is about.
type Handle struct {
	Platform string
	Handle   string
}

// Answers are the structured questions of the report form. Every answer is
// optional; urgency rules read them.
type Answers struct {
	InDangerNow     bool
	HappeningNow    bool
	MeetingPlanned  bool
	MeetingAt       *time.Time
	KnowsWhereILive bool
	Handles         []Handle
	AgeBand         AgeBand
}

// Contact is what an identified reporter chose to tell us about how to reach
// them. It is stored encrypted and only officers of the force see it.
type Contact struct {
	Name       string
	Phone      string
	Email      string
	SafeTimes  string
	MayContact bool
}

// Report is one submission from a young person. A nil Contact makes it
// anonymous.
type Report struct {
	ForceCode    string
	Category     Category
	WhatHappened string
	Answers      Answers
	Contact      *Contact
	// RelatedReference is the reference of an earlier report the child
	// made (say, after losing its receipt). It is only a pointer for the
	// officer: it need not exist and grants no access to that case.
	RelatedReference string
}

var (
	forceCodePattern = regexp.MustCompile(`^[A-Za-z0-9-]{2,32}$`)
	phonePattern     = regexp.MustCompile(`^\+?[0-9 ()-]{6,32}$`)
)

// Normalize trims surrounding space and upper-cases the force code, so that
// two submissions that differ only in that are the same report.
func (r *Report) Normalize() {
	r.ForceCode = strings.ToUpper(strings.TrimSpace(r.ForceCode))
	r.WhatHappened = strings.TrimSpace(r.WhatHappened)
	r.RelatedReference = strings.TrimSpace(r.RelatedReference)
	if ref, ok := ParseReference(r.RelatedReference); ok {
		r.RelatedReference = ref
	}
	if t := r.Answers.MeetingAt; t != nil {
		u := t.UTC()
		r.Answers.MeetingAt = &u
	}
	for i := range r.Answers.Handles {
		h := &r.Answers.Handles[i]
		h.Platform = strings.TrimSpace(h.Platform)
		h.Handle = strings.TrimSpace(h.Handle)
	}
	if c := r.Contact; c != nil {
		c.Name, c.Phone = strings.TrimSpace(c.Name), strings.TrimSpace(c.Phone)
		c.Email, c.SafeTimes = strings.TrimSpace(c.Email), strings.TrimSpace(c.SafeTimes)
	}
}

// Validate reports every problem with r at once.
func (r *Report) Validate() error {
	v := &errkind.ValidationError{}
	v.Check(!forceCodePattern.MatchString(r.ForceCode), "forceCode", "must be the police force code shown in the app")
	v.Check(!r.Category.Valid(), "category", "must be one of the listed categories")
	checkText(v, "whatHappened", r.WhatHappened, MaxWhatHappened, true)
	if r.RelatedReference != "" {
		_, ok := ParseReference(r.RelatedReference)
		v.Check(!ok, "relatedReference", "must be a case reference like SS-7KQ2-MX9D")
	}
	a := r.Answers
	v.Check(a.MeetingAt != nil && !a.MeetingPlanned, "answers.meetingAt", "only applies when a meeting is planned")
	v.Check(!a.AgeBand.valid(), "answers.ageBand", "must be one of the listed age bands")
	v.Check(len(a.Handles) > MaxHandles, "answers.handles", "at most 10 handles")
	for i, h := range a.Handles {
		if i >= MaxHandles {
			break
		}
		p := "answers.handles[" + strconv.Itoa(i) + "]"
		checkText(v, p+".handle", h.Handle, MaxHandle, true)
		checkText(v, p+".platform", h.Platform, MaxPlatform, false)
	}
	if c := r.Contact; c != nil {
		checkText(v, "contact.name", c.Name, MaxName, false)
		checkText(v, "contact.safeTimes", c.SafeTimes, MaxSafeTimes, false)
		v.Check(c.Phone != "" && !phonePattern.MatchString(c.Phone), "contact.phone", "must be a phone number")
		v.Check(c.Email != "" && !validEmail(c.Email), "contact.email", "must be an email address")
		v.Check(c.MayContact && c.Phone == "" && c.Email == "", "contact", "give a phone number or an email address so that we can contact you")
	}
	return v.Err()
}

func validEmail(s string) bool {
	if len(s) > MaxEmail {
		return false
	}
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s
}

// checkText checks that s is valid UTF-8, within max characters, free of
// control characters other than line breaks and tabs, and present if required.
func checkText(v *errkind.ValidationError, field, s string, max int, required bool) {
	switch {
	case !utf8.ValidString(s):
		v.Add(field, "must be valid UTF-8 text")
	case required && s == "":
		v.Add(field, "is required")
	case utf8.RuneCountInString(s) > max:
		v.Add(field, "must be at most "+strconv.Itoa(max)+" characters")
	case strings.ContainsFunc(s, isControl):
		v.Add(field, "must not contain control characters")
	}
}

func isControl(r rune) bool {
	return (r < 0x20 && r != '\n' && r != '\r' && r != '\t') || r == 0x7f
}
