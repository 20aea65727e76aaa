package reports

import (
	"context"
	"fmt"
	"time"
)

// Guidance tells the app what to show the young person right after they
// report. It carries no case data, so it may be the same for everyone.
type Guidance struct {
	// CallEmergencyNow makes the app show "call 999 now" before anything else.
	CallEmergencyNow bool
	WhatHappensNext  string
	Helplines        []Helpline
	Images           ImagesAdvice
}

// Helpline is a service the young person can contact themselves.
type Helpline struct {
	Name  string
	Phone string
	URL   string
	When  string
}

// ImagesAdvice points to a safe path for intimate images: SpeakSafe never
// accepts photos or videos of a child; Report Remove (Childline and the
// Internet Watch Foundation) gets them taken down.
type ImagesAdvice struct {
	Text string
	URL  string
}

const reportRemoveURL = "https://www.childline.org.uk/info-advice/bullying-abuse-safety/online-mobile-safety/remove-nude-image-shared-online/"

// ReadingHours are when a force's team reads routine reports, in the
// force's local time: FirstDay to LastDay (wrapping past Saturday), from
// hour From to hour To (0–24). EveryDay ignores the days.
type ReadingHours struct {
	EveryDay          bool
	FirstDay, LastDay time.Weekday
	From, To          int
}

func (h ReadingHours) valid() bool {
	return h.From >= 0 && h.To <= 24 && h.From < h.To && h.FirstDay >= time.Sunday && h.FirstDay <= time.Saturday &&
		h.LastDay >= time.Sunday && h.LastDay <= time.Saturday
}

// Hours tells when a force reads routine reports (wired to the force's
// organisation record). ok is false when the force stated none.
type Hours interface {
	ReadingHours(ctx context.Context, forceID string) (h ReadingHours, ok bool, err error)
}

// HoursFunc adapts a function to Hours.
type HoursFunc func(ctx context.Context, forceID string) (ReadingHours, bool, error)

// ReadingHours calls f.
func (f HoursFunc) ReadingHours(ctx context.Context, forceID string) (ReadingHours, bool, error) {
	return f(ctx, forceID)
}

// GuidanceFor returns the English guidance for a report with the given
// urgency, as for an anonymous reporter of a force that stated no hours.
func GuidanceFor(inDangerNow, urgent bool) Guidance {
	return GuidanceIn(LocaleEN, GuidanceCase{InDangerNow: inDangerNow, Urgent: urgent, Anonymous: true})
}

// GuidanceCase is what the guidance after a report depends on.
type GuidanceCase struct {
	InDangerNow, Urgent, Anonymous bool
	// Hours are the force's stated reading hours; nil when it stated none.
	Hours *ReadingHours
}

// GuidanceIn returns the guidance for g in locale l. Urgent guidance is
// honest about anonymity: the police cannot find a child who did not say
// who or where they are, so in danger they must call 999. Routine guidance
// says when the report will be read.
func GuidanceIn(l Locale, g GuidanceCase) Guidance {
	t, ok := guidanceTexts[l]
	if !ok {
		t = guidanceTexts[DefaultLocale]
	}
	var next string
	switch {
	case g.Urgent && g.Anonymous:
		next = t.urgentAnonymous + " " + t.keepReceipt
	case g.Urgent:
		next = t.urgentIdentified + " " + t.keepReceipt
	default:
		next = t.routine + " " + t.hours(g.Hours) + " " + t.keepReceipt
	}
	return Guidance{
		CallEmergencyNow: g.InDangerNow,
		WhatHappensNext:  next,
		Helplines:        append([]Helpline(nil), t.helplines...),
		Images:           ImagesAdvice{Text: t.images, URL: reportRemoveURL},
	}
}

func (t *guidanceText) hours(h *ReadingHours) string {
	if h == nil || !h.valid() {
		return t.hoursDefault
	}
	days := t.everyDay
	if !h.EveryDay {
		days = t.days[h.FirstDay]
		if h.FirstDay != h.LastDay {
			days = fmt.Sprintf(t.dayRange, t.days[h.FirstDay], t.days[h.LastDay])
		}
	}
	return fmt.Sprintf(t.hoursStated, days, fmt.Sprintf("%02d:00", h.From), fmt.Sprintf("%02d:00", h.To))
}

// LocalGuidance returns the guidance of submission sub of report r in
// locale l, with the reading hours of r's force when they are known. A
// failure to read the hours falls back to the default text: guidance is
// never why a report fails.
func (s *Store) LocalGuidance(ctx context.Context, r *Report, sub Submission, l Locale) Guidance {
	g := GuidanceCase{InDangerNow: r.Answers.InDangerNow, Urgent: sub.Urgent, Anonymous: r.Contact == nil}
	if !sub.Urgent && s.cfg.Hours != nil {
		g.Hours = s.forceHours(ctx, r.ForceCode)
	}
	return GuidanceIn(l, g)
}

func (s *Store) forceHours(ctx context.Context, forceCode string) *ReadingHours {
	r := Report{ForceCode: forceCode}
	r.Normalize()
	forceID, err := s.cfg.Forces.ForceID(ctx, r.ForceCode)
	if err != nil {
		return nil
	}
	h, ok, err := s.cfg.Hours.ReadingHours(ctx, forceID)
	if err != nil {
		s.log.WarnContext(ctx, "reading hours unavailable", "force_id", forceID, "error", err)
		return nil
	}
	if !ok {
		return nil
	}
	return &h
}

// CaseText tells the reporter, in locale l, where their case stands and
// what happens next.
func CaseText(status Status, read bool, l Locale) string {
	t, ok := caseTexts[l]
	if !ok {
		t = caseTexts[DefaultLocale]
	}
	switch {
	case status == StatusClosed:
		return t["closed"]
	case status == StatusInProgress:
		return t["in_progress"]
	case read:
		return t["read"]
	}
	return t["waiting"]
}
