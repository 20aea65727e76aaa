package reports

import (
	"encoding/json"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// Status is where a case is in its handling.
type Status string

// Statuses, in order. A case only moves forward.
const (
	StatusNew          Status = "new"
	StatusAcknowledged Status = "acknowledged"
	StatusInProgress   Status = "in_progress"
	StatusClosed       Status = "closed"
)

func (s Status) rank() int {
	switch s {
	case StatusNew:
		return 1
	case StatusAcknowledged:
		return 2
	case StatusInProgress:
		return 3
	case StatusClosed:
		return 4
	}
	return 0
}

// Valid reports whether s is a known status.
func (s Status) Valid() bool { return s.rank() > 0 }

// Disposition is how a case was closed; closing needs one.
type Disposition string

// Dispositions.
const (
	DispositionSafeguardingReferral Disposition = "safeguarding_referral"
	DispositionCrimeRecorded        Disposition = "crime_recorded"
	DispositionReferredToAgency     Disposition = "referred_to_other_agency"
	DispositionAdviceGiven          Disposition = "advice_given"
	DispositionNoFurtherAction      Disposition = "no_further_action"
	DispositionDuplicate            Disposition = "duplicate"
	DispositionNotEnoughInformation Disposition = "not_enough_information"
)

// Dispositions returns every disposition.
func Dispositions() []Disposition {
	return []Disposition{
		DispositionSafeguardingReferral, DispositionCrimeRecorded, DispositionReferredToAgency,
		DispositionAdviceGiven, DispositionNoFurtherAction, DispositionDuplicate, DispositionNotEnoughInformation,
	}
}

// Valid reports whether d is one of Dispositions.
func (d Disposition) Valid() bool {
	for _, k := range Dispositions() {
		if d == k {
			return true
		}
	}
	return false
}

// caseDoc is a case as stored. Free text, handles and contact details are
// sealed with fieldcrypt, bound to the case id and the field name. The
// structured answers stay clear because triage and the queue need them and
// they say nothing of who the reporter is.
//
// What officers and the reporter change later (the fields stateOf lists) is
// written only through a version claim (see caseevents.go); Version is the
// newest claimed version this document shows.
type caseDoc struct {
	ID                string     `bson:"_id"`
	Reference         string     `bson:"reference"`
	ForceID           string     `bson:"forceId"`
	Category          Category   `bson:"category"`
	Urgent            bool       `bson:"urgent"`
	UrgentReasons     []Reason   `bson:"urgentReasons,omitempty"`
	Status            Status     `bson:"status"`
	CreatedAt         time.Time  `bson:"createdAt"`
	UpdatedAt         time.Time  `bson:"updatedAt"`
	InDangerNow       bool       `bson:"inDangerNow"`
	HappeningNow      bool       `bson:"happeningNow"`
	MeetingPlanned    bool       `bson:"meetingPlanned"`
	MeetingAt         *time.Time `bson:"meetingAt,omitempty"`
	KnowsWhereILive   bool       `bson:"knowsWhereILive"`
	AgeBand           AgeBand    `bson:"ageBand,omitempty"`
	Identified        bool       `bson:"identified"`
	WhatHappened      string     `bson:"whatHappened"`
	Handles           string     `bson:"handles,omitempty"`
	Contact           string     `bson:"contact,omitempty"`
	FirstReadAt       *time.Time `bson:"firstReadAt,omitempty"`
	FirstReadBy       string     `bson:"firstReadBy,omitempty"`
	AcknowledgedAt    *time.Time `bson:"acknowledgedAt,omitempty"`
	AcknowledgedBy    string     `bson:"acknowledgedBy,omitempty"`
	AssignedTo        string     `bson:"assignedTo,omitempty"`
	Disposition       string     `bson:"disposition,omitempty"`
	Outcome           string     `bson:"outcome,omitempty"`
	ClosedAt          *time.Time `bson:"closedAt,omitempty"`
	ClosedBy          string     `bson:"closedBy,omitempty"`
	ReporterMessageAt *time.Time `bson:"reporterMessageAt,omitempty"`
	FloodGroup        string     `bson:"floodGroup,omitempty"`
	FloodKind         FloodKind  `bson:"floodKind,omitempty"`
	RelatedReference  string     `bson:"relatedReference,omitempty"`
	// StaffMessageAt is when an officer last wrote to the reporter;
	// ReporterReadAt when the reporter last saw the messages, and
	// StaffReadAt when an officer last opened the case after a message
	// of the reporter (the history and the reminders read them).
	StaffMessageAt *time.Time `bson:"staffMessageAt,omitempty"`
	ReporterReadAt *time.Time `bson:"reporterReadAt,omitempty"`
	StaffReadAt    *time.Time `bson:"staffReadAt,omitempty"`
	Version        int64      `bson:"version"`
	// MessageCount and NoteCount count the entries added to the thread by
	// version claims; the caps are checked against them.
	MessageCount int `bson:"messageCount,omitempty"`
	NoteCount    int `bson:"noteCount,omitempty"`
	// ThreadVersion is the version of the newest event that added a
	// message or a note: a thread document older than it is behind.
	ThreadVersion int64 `bson:"threadVersion,omitempty"`
	// Kind is empty for a young person's report and KindConcern for a
	// school's concern, whose own fields are in Concern (concern.go).
	Kind    Kind        `bson:"kind,omitempty"`
	Concern *concernDoc `bson:"concern,omitempty"`
}

// stateOf is everything a transition of case d may change, as one $set
// document. Each claimed version's event holds it whole, so the newest
// event alone says what the case is; every field is present (nil as null),
// so writing it also clears what a transition cleared.
func stateOf(d *caseDoc) bson.D {
	return bson.D{
		{Key: "status", Value: d.Status}, {Key: "updatedAt", Value: d.UpdatedAt},
		{Key: "firstReadAt", Value: d.FirstReadAt}, {Key: "firstReadBy", Value: d.FirstReadBy},
		{Key: "acknowledgedAt", Value: d.AcknowledgedAt}, {Key: "acknowledgedBy", Value: d.AcknowledgedBy},
		{Key: "assignedTo", Value: d.AssignedTo}, {Key: "disposition", Value: d.Disposition},
		{Key: "outcome", Value: d.Outcome}, {Key: "closedAt", Value: d.ClosedAt}, {Key: "closedBy", Value: d.ClosedBy},
		{Key: "reporterMessageAt", Value: d.ReporterMessageAt},
		{Key: "messageCount", Value: d.MessageCount}, {Key: "noteCount", Value: d.NoteCount},
		{Key: "threadVersion", Value: d.ThreadVersion},
		{Key: "staffMessageAt", Value: d.StaffMessageAt}, {Key: "reporterReadAt", Value: d.ReporterReadAt},
		{Key: "staffReadAt", Value: d.StaffReadAt},
	}
}

// Sealed field names: the additional data that binds each ciphertext.
const (
	fieldWhatHappened = "whatHappened"
	fieldHandles      = "handles"
	fieldContact      = "contact"
	fieldOutcome      = "outcome"
)

// newCaseDoc builds the stored case for report r with the answer a.
func (s *Store) newCaseDoc(r *Report, a *answer) (*caseDoc, error) {
	d := &caseDoc{
		ID: a.CaseID, Reference: a.Reference, ForceID: a.ForceID, Category: r.Category,
		Urgent: a.Urgent, UrgentReasons: a.Reasons, Status: StatusNew,
		CreatedAt: a.CreatedAt, UpdatedAt: a.CreatedAt,
		InDangerNow: r.Answers.InDangerNow, HappeningNow: r.Answers.HappeningNow,
		MeetingPlanned: r.Answers.MeetingPlanned, MeetingAt: r.Answers.MeetingAt,
		KnowsWhereILive: r.Answers.KnowsWhereILive, AgeBand: r.Answers.AgeBand,
		Identified: r.Contact != nil,
		FloodGroup: a.Flood.Group, FloodKind: a.Flood.Kind, RelatedReference: r.RelatedReference,
	}
	var err error
	if d.WhatHappened, err = s.keys.SealString(d.ID, fieldWhatHappened, r.WhatHappened); err != nil {
		return nil, err
	}
	if len(r.Answers.Handles) > 0 {
		if d.Handles, err = s.sealHandles(d.ID, r.Answers.Handles); err != nil {
			return nil, err
		}
	}
	if r.Contact != nil {
		if d.Contact, err = s.sealContact(d.ID, r.Contact); err != nil {
			return nil, err
		}
	}
	return d, nil
}

func (s *Store) sealJSON(recordID, field string, v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("reports: seal %s: %w", field, err)
	}
	return s.keys.Seal(recordID, field, b)
}

func (s *Store) openJSON(recordID, field, sealed string, v any) error {
	if sealed == "" {
		return nil
	}
	b, err := s.keys.Open(recordID, field, sealed)
	if err != nil {
		return fmt.Errorf("reports: open %s of case %s: %w", field, recordID, err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("reports: decode %s of case %s: %w", field, recordID, err)
	}
	return nil
}

func (s *Store) openString(recordID, field, sealed string) (string, error) {
	if sealed == "" {
		return "", nil
	}
	v, err := s.keys.OpenString(recordID, field, sealed)
	if err != nil {
		return "", fmt.Errorf("reports: open %s of case %s: %w", field, recordID, err)
	}
	return v, nil
}
