package reports

import "time"

// The storage and signature formats of a report's parts. None of them is
// a wire format (handlers declare those): these bytes are sealed into
// stored cases (handles, contact, pupil), hashed into stored idempotency
// answers (a report's and a concern's fingerprint) or signed into case
// exports. Cases stored and exports signed by any earlier release must
// still open and verify, and a retry must still match the fingerprint its
// first attempt stored, so no name, order or omitempty here may change
// (TestStorageFormatsArePinned). The domain types carry no json tags.

type handleFormat struct {
	Platform string `json:"platform"`
	Handle   string `json:"handle"`
}

type answersFormat struct {
	InDangerNow     bool           `json:"inDangerNow"`
	HappeningNow    bool           `json:"happeningNow"`
	MeetingPlanned  bool           `json:"meetingPlanned"`
	MeetingAt       *time.Time     `json:"meetingAt,omitempty"`
	KnowsWhereILive bool           `json:"knowsWhereILive"`
	Handles         []handleFormat `json:"handles,omitempty"`
	AgeBand         AgeBand        `json:"ageBand,omitempty"`
}

type contactFormat struct {
	Name       string `json:"name,omitempty"`
	Phone      string `json:"phone,omitempty"`
	Email      string `json:"email,omitempty"`
	SafeTimes  string `json:"safeTimes,omitempty"`
	MayContact bool   `json:"mayContact"`
}

// reportFormat is what a report's fingerprint (bodyHash) covers.
type reportFormat struct {
	ForceCode        string         `json:"forceCode"`
	Category         Category       `json:"category"`
	WhatHappened     string         `json:"whatHappened"`
	Answers          answersFormat  `json:"answers"`
	Contact          *contactFormat `json:"contact,omitempty"`
	RelatedReference string         `json:"relatedReference,omitempty"`
}

type pupilFormat struct {
	FirstName   string `json:"firstName"`
	YearGroup   string `json:"yearGroup"`
	DateOfBirth string `json:"dateOfBirth"`
}

// concernFormat is the concern a concern's fingerprint (concernHash)
// covers: its field names are the Go names, as they always were.
type concernFormat struct {
	Category     Category
	WhatHappened string
	ObservedAt   time.Time
	Pupil        pupilFormat
	InDangerNow  bool
	ParentsKnow  bool
	ReferToMash  bool
}

func handlesFormatOf(hs []Handle) []handleFormat {
	return mapAll(hs, func(h Handle) handleFormat { return handleFormat(h) })
}

func handlesOf(fs []handleFormat) []Handle {
	return mapAll(fs, func(f handleFormat) Handle { return Handle(f) })
}

// mapAll maps every item; nil stays nil, so that what was stored as null
// is stored and read as null again.
func mapAll[T, R any](in []T, f func(T) R) []R {
	if in == nil {
		return nil
	}
	out := make([]R, len(in))
	for i, v := range in {
		out[i] = f(v)
	}
	return out
}

func answersFormatOf(a Answers) answersFormat {
	return answersFormat{InDangerNow: a.InDangerNow, HappeningNow: a.HappeningNow, MeetingPlanned: a.MeetingPlanned,
		MeetingAt: a.MeetingAt, KnowsWhereILive: a.KnowsWhereILive, Handles: handlesFormatOf(a.Handles), AgeBand: a.AgeBand}
}

func contactFormatOf(c *Contact) *contactFormat {
	if c == nil {
		return nil
	}
	f := contactFormat(*c)
	return &f
}

func reportFormatOf(r *Report) reportFormat {
	return reportFormat{ForceCode: r.ForceCode, Category: r.Category, WhatHappened: r.WhatHappened,
		Answers: answersFormatOf(r.Answers), Contact: contactFormatOf(r.Contact), RelatedReference: r.RelatedReference}
}

func concernFormatOf(c *Concern) *concernFormat {
	return &concernFormat{Category: c.Category, WhatHappened: c.WhatHappened, ObservedAt: c.ObservedAt,
		Pupil: pupilFormat(c.Pupil), InDangerNow: c.InDangerNow, ParentsKnow: c.ParentsKnow, ReferToMash: c.ReferToMash}
}

// sealHandles, sealContact and sealPupil seal a case's parts in their
// storage formats; openHandles, openContact and openPupil read them back.

func (s *Store) sealHandles(caseID string, hs []Handle) (string, error) {
	return s.sealJSON(caseID, fieldHandles, handlesFormatOf(hs))
}

func (s *Store) openHandles(caseID, sealed string) ([]Handle, error) {
	var fs []handleFormat
	if err := s.openJSON(caseID, fieldHandles, sealed, &fs); err != nil {
		return nil, err
	}
	return handlesOf(fs), nil
}

func (s *Store) sealContact(caseID string, c *Contact) (string, error) {
	return s.sealJSON(caseID, fieldContact, contactFormatOf(c))
}

func (s *Store) openContact(caseID, sealed string) (*Contact, error) {
	var f contactFormat
	if err := s.openJSON(caseID, fieldContact, sealed, &f); err != nil {
		return nil, err
	}
	c := Contact(f)
	return &c, nil
}

func (s *Store) sealPupil(caseID string, p Pupil) (string, error) {
	return s.sealJSON(caseID, fieldPupil, pupilFormat(p))
}

func (s *Store) openPupil(caseID, sealed string) (Pupil, error) {
	var f pupilFormat
	if err := s.openJSON(caseID, fieldPupil, sealed, &f); err != nil {
		return Pupil{}, err
	}
	return Pupil(f), nil
}
