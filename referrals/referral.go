// Package referrals shares a case with partner agencies (children's social
// care, health, education, youth justice) and follows what they do with
// it: acknowledgement, decision, questions and answers, deadlines counted
// in working days, and overdue referrals.
package referrals

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"speaksafe/errkind"
)

// Urgency says how soon the agency must decide.
type Urgency string

// Urgencies.
const (
	// UrgencyImmediate: decision within two hours, day or night.
	UrgencyImmediate Urgency = "immediate"
	// UrgencyStandard: decision by the end of the next working day.
	UrgencyStandard Urgency = "standard"
)

// ImmediateWithin is how long an agency has to decide an immediate referral.
const ImmediateWithin = 2 * time.Hour

// Decision is what the agency decided to do next (Working Together to
// Safeguard Children 2023).
type Decision string

// Decisions.
const (
	DecisionImmediateProtection Decision = "immediate_protection"
	DecisionSection47           Decision = "section_47"
	DecisionSection17           Decision = "section_17"
	DecisionEarlyHelp           Decision = "early_help"
	DecisionAdviceUniversal     Decision = "advice_universal"
	DecisionNoFurtherAction     Decision = "no_further_action"
)

// Decisions returns every decision.
func Decisions() []Decision {
	return []Decision{DecisionImmediateProtection, DecisionSection47, DecisionSection17, DecisionEarlyHelp,
		DecisionAdviceUniversal, DecisionNoFurtherAction}
}

// LawfulBasis is the listed legal ground on which information is shared.
type LawfulBasis string

// Lawful bases.
const (
	BasisSafeguardingChildren LawfulBasis = "dpa2018_safeguarding_children" // DPA 2018 Sch. 1 para 18
	BasisChildrenAct47        LawfulBasis = "children_act_1989_s47"
	BasisChildrenAct17        LawfulBasis = "children_act_1989_s17"
	BasisChildrenAct2004S11   LawfulBasis = "children_act_2004_s11"
	BasisCrimeDisorderS115    LawfulBasis = "crime_and_disorder_act_1998_s115"
	BasisVitalInterests       LawfulBasis = "vital_interests"
	BasisConsent              LawfulBasis = "consent"
)

// LawfulBases returns every lawful basis.
func LawfulBases() []LawfulBasis {
	return []LawfulBasis{BasisSafeguardingChildren, BasisChildrenAct47, BasisChildrenAct17, BasisChildrenAct2004S11,
		BasisCrimeDisorderS115, BasisVitalInterests, BasisConsent}
}

// Field is a part of the child's report an officer may choose to share.
// Nothing of the report is shared unless chosen.
type Field string

// Shareable fields.
const (
	FieldCategory     Field = "category"
	FieldWhatHappened Field = "whatHappened" // the child's own words
	FieldAnswers      Field = "answers"      // in danger now, meeting planned, ...
	FieldHandles      Field = "handles"      // online handles of the person
	FieldAgeBand      Field = "ageBand"
	FieldContact      Field = "contact" // identifies the child: only with identityShared
)

// Fields returns every shareable field.
func Fields() []Field {
	return []Field{FieldCategory, FieldWhatHappened, FieldAnswers, FieldHandles, FieldAgeBand, FieldContact}
}

// Limits of a referral's texts.
const (
	MaxSummary    = 4000
	MaxReason     = 1000
	MaxBasisNote  = 1000
	MaxOutcome    = 1000
	MaxQuestion   = 2000
	MaxReference  = 64
	MaxAgencies   = 10
	maxQuestions  = 20
	maxListLength = 100
)

// Input is what an officer gives to refer a case: one referral is made for
// each agency.
type Input struct {
	AgencyIDs       []string
	Summary         string // the officer's words
	Reason          string
	LawfulBasis     LawfulBasis
	LawfulBasisNote string
	Urgency         Urgency
	Fields          []Field
	IdentityShared  bool
}

// Validate reports every problem with in on its own.
func (in Input) Validate() error {
	v := &errkind.ValidationError{}
	v.Check(len(in.AgencyIDs) == 0 || len(in.AgencyIDs) > MaxAgencies, "agencyIds", "must list 1 to 10 agencies")
	seen := map[string]bool{}
	for i, id := range in.AgencyIDs {
		v.Check(id == "" || len(id) > 64 || seen[id], fmt.Sprintf("agencyIds[%d]", i), "must be an agency id, listed once")
		seen[id] = true
	}
	checkText(v, "summary", in.Summary, MaxSummary, true)
	checkText(v, "reason", in.Reason, MaxReason, true)
	checkText(v, "lawfulBasisNote", in.LawfulBasisNote, MaxBasisNote, false)
	v.Check(!slices.Contains(LawfulBases(), in.LawfulBasis), "lawfulBasis", "must be one of the listed lawful bases")
	v.Check(in.Urgency != UrgencyImmediate && in.Urgency != UrgencyStandard, "urgency", "must be immediate or standard")
	for i, f := range in.Fields {
		v.Check(!slices.Contains(Fields(), f) || slices.Index(in.Fields, f) != i, fmt.Sprintf("fields[%d]", i),
			"must be one of the listed fields, listed once")
	}
	v.Check(slices.Contains(in.Fields, FieldContact) && !in.IdentityShared, "fields", "contact identifies the child: set identityShared to share it")
	return v.Err()
}

// checkText adds a problem when s is too long, not text, or missing.
func checkText(v *errkind.ValidationError, field, s string, max int, required bool) {
	n := utf8.RuneCountInString(strings.TrimSpace(s))
	switch {
	case !utf8.ValidString(s) || strings.ContainsRune(s, 0):
		v.Add(field, "must be text")
	case required && n == 0:
		v.Add(field, "is required")
	case n > max:
		v.Add(field, fmt.Sprintf("must be at most %d characters", max))
	}
}

// Status is where a referral stands, derived from its steps.
type Status string

// Statuses.
const (
	StatusSent         Status = "sent"
	StatusAcknowledged Status = "acknowledged"
	StatusDecided      Status = "decided"
)

// Referral is one case shared with one agency, as its reader may see it:
// texts are decrypted.
type Referral struct {
	ID              string
	CaseID          string
	ForceID         string
	AgencyID        string
	CreatedBy       string
	CreatedAt       time.Time
	Urgency         Urgency
	DueAt           time.Time
	Summary         string
	Reason          string
	LawfulBasis     LawfulBasis
	LawfulBasisNote string
	Fields          []Field
	// Shared holds the chosen fields' values as they were when shared.
	Shared         map[Field]string
	IdentityShared bool
	Anonymous      bool
	Status         Status
	AcknowledgedAt *time.Time
	AcknowledgedBy string
	DecidedAt      *time.Time
	DecidedBy      string
	Decision       Decision
	AgencyRef      string
	Outcome        string
	Overdue        bool
	Steps          []Step
}

// Step is one thing that happened to a referral, as the force and the
// agency see it on its timeline.
type Step struct {
	Kind     string // shared, acknowledged, decided, question, answer, overdue_paged
	Number   int    // of a question or answer
	At       time.Time
	By       string
	ByAgency bool
	Text     string
	Decision Decision
}
