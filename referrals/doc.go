package referrals

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"speaksafe/database"
	"speaksafe/errkind"
)

// Sealed field names: the additional data binding each ciphertext to its
// record and field.
const (
	sealSummary   = "summary"
	sealReason    = "reason"
	sealBasisNote = "lawfulBasisNote"
	sealShared    = "shared"
	sealOutcome   = "outcome"
	sealText      = "text"
)

// refDoc is a referral as stored. Every text is sealed with fieldcrypt.
// DecidedAt is always present (null until decided) so that open referrals
// can be found by {decidedAt: null}.
type refDoc struct {
	ID       string `bson:"_id"`
	CaseID   string `bson:"caseId"`
	ForceID  string `bson:"forceId"`  // the sending force: its tenancy
	AgencyID string `bson:"agencyId"` // the receiving agency: its tenancy

	CreatedBy string    `bson:"createdBy"`
	CreatedAt time.Time `bson:"createdAt"`
	Urgency   Urgency   `bson:"urgency"`
	DueAt     time.Time `bson:"dueAt"` // when the agency's decision is due

	// The force's case for sharing (its texts sealed).
	Summary         string      `bson:"summary"`
	Reason          string      `bson:"reason"`
	LawfulBasis     LawfulBasis `bson:"lawfulBasis"`
	LawfulBasisNote string      `bson:"lawfulBasisNote,omitempty"`

	// What was shared: the fields chosen, and their values as JSON (sealed)
	// as they were when shared.
	Fields         []Field `bson:"fields"`
	Shared         string  `bson:"shared,omitempty"`
	IdentityShared bool    `bson:"identityShared"`
	Anonymous      bool    `bson:"anonymous"` // the report had no identity to share

	// The agency's answer: acknowledged, then decided.
	AcknowledgedAt *time.Time `bson:"acknowledgedAt"`
	AcknowledgedBy string     `bson:"acknowledgedBy,omitempty"`
	DecidedAt      *time.Time `bson:"decidedAt"`
	DecidedBy      string     `bson:"decidedBy,omitempty"`
	Decision       Decision   `bson:"decision,omitempty"`
	AgencyRef      string     `bson:"agencyReference,omitempty"` // the agency's own reference
	Outcome        string     `bson:"outcome,omitempty"`         // sealed

	Questions      int        `bson:"questions"`      // the number of the last question claimed
	OverduePagedAt *time.Time `bson:"overduePagedAt"` // set once the overdue page has gone out
}

// eventDoc is one step of a referral. Its _id is the claim.
type eventDoc struct {
	ID         string    `bson:"_id"`
	ReferralID string    `bson:"referralId"`
	Kind       string    `bson:"kind"`
	Number     int       `bson:"number,omitempty"`
	At         time.Time `bson:"at"`
	By         string    `bson:"by,omitempty"`
	ByAgency   bool      `bson:"byAgency"`
	Text       string    `bson:"text,omitempty"`
	Decision   Decision  `bson:"decision,omitempty"`
	// AgencyRef and Outcome (sealed) of a decision: the step carries the
	// whole decision, so that the referral document can always be settled
	// from it (settle).
	AgencyRef string `bson:"agencyReference,omitempty"`
	Outcome   string `bson:"outcome,omitempty"`
}

// Step kinds.
const (
	stepShared       = "shared"
	stepAcknowledged = "acknowledged"
	stepDecided      = "decided"
	stepQuestion     = "question"
	stepAnswer       = "answer"
	stepOverduePaged = "overdue_paged"
)

func eventID(referralID, kind string, n int) string {
	if n > 0 {
		return fmt.Sprintf("%s:%s:%d", referralID, kind, n)
	}
	return referralID + ":" + kind
}

// claim inserts e; false when its _id exists (the step happened already).
func (s *Service) claim(ctx context.Context, e eventDoc) (bool, error) {
	_, err := s.d.DB.Collection(colEvents).InsertOne(ctx, e)
	if database.IsDuplicateKey(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("referrals: claim %s: %w", e.ID, err)
	}
	return true, nil
}

// hasEvent reports whether step id happened (a lookup by _id).
func (s *Service) hasEvent(ctx context.Context, id string) (bool, error) {
	ok, err := database.Exists(ctx, s.d.DB.Collection(colEvents), id)
	if err != nil {
		return false, fmt.Errorf("referrals: step %s: %w", id, err)
	}
	return ok, nil
}

// load reads referral id by _id (the one filter the embedded store
// indexes); callers check its force or agency against theirs.
func (s *Service) load(ctx context.Context, id string) (*refDoc, error) {
	d, err := database.FindByID[refDoc](ctx, s.d.DB.Collection(colReferrals), id,
		fmt.Errorf("referrals: referral %s: %w", id, errkind.NotFound))
	if err != nil {
		return nil, err
	}
	return &d, nil
}

// set writes fields of referral id's document that follow from a step
// just claimed, then settles the document.
func (s *Service) set(ctx context.Context, id string, set bson.D) error {
	_, err := s.d.DB.Collection(colReferrals).UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, bson.D{{Key: "$set", Value: set}})
	if err != nil {
		return fmt.Errorf("referrals: update %s: %w", id, err)
	}
	return s.settle(ctx, id)
}

// settleAttempts bounds how often settle writes before it gives up; every
// writer settles after its own write, so the last one leaves the document
// agreeing with every step claimed before it.
const settleAttempts = 5

// settle makes referral id's document agree with its claimed steps. The
// steps, claimed by _id, are the truth; the acknowledgement, decision and
// overdue page fields of the document repeat them so that lists can filter
// on them. On the embedded store an update rewrites the whole document
// without re-checking it, so two instances updating one referral at once
// can lose a field the other set (a decision overwritten by a question's
// count). Each writer therefore reads the document again after its write
// and puts back any field whose step exists, until a read agrees.
func (s *Service) settle(ctx context.Context, id string) error {
	for range settleAttempts {
		d, err := s.load(ctx, id)
		if err != nil {
			return err
		}
		missing, err := s.missingFields(ctx, d)
		if err != nil || len(missing) == 0 {
			return err
		}
		if _, err := s.d.DB.Collection(colReferrals).UpdateOne(ctx, bson.D{{Key: "_id", Value: id}},
			bson.D{{Key: "$set", Value: missing}}); err != nil {
			return fmt.Errorf("referrals: settle %s: %w", id, err)
		}
	}
	return fmt.Errorf("referrals: settle %s: still changing after %d writes", id, settleAttempts)
}

// missingFields lists the fields of d that its claimed steps say it
// should have and it lacks; it reads a step (by _id) only for a field
// that is missing.
func (s *Service) missingFields(ctx context.Context, d *refDoc) (bson.D, error) {
	var set bson.D
	for _, f := range []struct {
		kind    string
		missing bool
		fields  func(eventDoc) bson.D
	}{
		{stepAcknowledged, d.AcknowledgedAt == nil, func(e eventDoc) bson.D {
			return bson.D{{Key: "acknowledgedAt", Value: e.At}, {Key: "acknowledgedBy", Value: e.By}}
		}},
		{stepDecided, d.DecidedAt == nil, decisionFields},
		{stepOverduePaged, d.OverduePagedAt == nil, func(e eventDoc) bson.D { return bson.D{{Key: "overduePagedAt", Value: e.At}} }},
	} {
		if !f.missing {
			continue
		}
		e, err := database.FindByID[eventDoc](ctx, s.d.DB.Collection(colEvents), eventID(d.ID, f.kind, 0), nil)
		if err != nil {
			return nil, fmt.Errorf("referrals: step %s of %s: %w", f.kind, d.ID, err)
		}
		if e.ID != "" {
			set = append(set, f.fields(e)...)
		}
	}
	return set, nil
}

// decisionFields are the document's fields for decision step e.
func decisionFields(e eventDoc) bson.D {
	return bson.D{{Key: "decidedAt", Value: e.At}, {Key: "decidedBy", Value: e.By}, {Key: "decision", Value: e.Decision},
		{Key: "agencyReference", Value: e.AgencyRef}, {Key: "outcome", Value: e.Outcome}}
}

func (s *Service) find(ctx context.Context, filter bson.D, opts *options.FindOptionsBuilder) ([]refDoc, error) {
	cur, err := s.d.DB.Collection(colReferrals).Find(ctx, filter, opts)
	if err != nil {
		return nil, fmt.Errorf("referrals: list: %w", err)
	}
	out := []refDoc{}
	if err := cur.All(ctx, &out); err != nil {
		return nil, fmt.Errorf("referrals: list: %w", err)
	}
	return out, nil
}

// events reads the steps of a referral by their _ids, which are known
// (eventID): the single steps, then questions 1, 2, … (claimed in order,
// so the first one missing ends them) each with its answer. That is a read
// by _id per step on every store, instead of a filter on referralId that
// the embedded store answers by decoding every step of every referral.
func (s *Service) events(ctx context.Context, referralID string) ([]eventDoc, error) {
	c := s.d.DB.Collection(colEvents)
	out := []eventDoc{}
	read := func(id string) (bool, error) {
		e, err := database.FindByID[eventDoc](ctx, c, id, nil)
		if err != nil {
			return false, fmt.Errorf("referrals: steps: %w", err)
		}
		if e.ID != "" {
			out = append(out, e)
		}
		return e.ID != "", nil
	}
	for _, kind := range []string{stepShared, stepAcknowledged, stepDecided, stepOverduePaged} {
		if _, err := read(eventID(referralID, kind, 0)); err != nil {
			return nil, err
		}
	}
	for n := 1; n <= maxQuestions; n++ {
		asked, err := read(eventID(referralID, stepQuestion, n))
		if err != nil {
			return nil, err
		}
		if !asked {
			break
		}
		if _, err := read(eventID(referralID, stepAnswer, n)); err != nil {
			return nil, err
		}
	}
	slices.SortFunc(out, func(a, b eventDoc) int {
		if c := a.At.Compare(b.At); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return out, nil
}

func (s *Service) seal(id, field, text string) (string, error) {
	if text == "" {
		return "", nil
	}
	out, err := s.d.Keys.SealString(id, field, text)
	if err != nil {
		return "", fmt.Errorf("referrals: seal %s: %w", field, err)
	}
	return out, nil
}

func (s *Service) open(id, field, sealed string) (string, error) {
	if sealed == "" {
		return "", nil
	}
	out, err := s.d.Keys.OpenString(id, field, sealed)
	if err != nil {
		return "", fmt.Errorf("referrals: open %s of %s: %w", field, id, err)
	}
	return out, nil
}

// view decrypts d (and its steps when steps is true) for its reader at now.
func (s *Service) view(ctx context.Context, d *refDoc, now time.Time, steps bool) (Referral, error) {
	var stepList []Step
	if steps {
		var err error
		if stepList, err = s.stepsOf(ctx, d.ID); err != nil {
			return Referral{}, err
		}
		if unsettled(d, stepList) {
			if err := s.settle(ctx, d.ID); err != nil {
				return Referral{}, err
			}
			if d, err = s.load(ctx, d.ID); err != nil {
				return Referral{}, err
			}
		}
	}
	r := Referral{Steps: stepList, ID: d.ID, CaseID: d.CaseID, ForceID: d.ForceID, AgencyID: d.AgencyID, CreatedBy: d.CreatedBy,
		CreatedAt: d.CreatedAt, Urgency: d.Urgency, DueAt: d.DueAt, LawfulBasis: d.LawfulBasis, Fields: d.Fields,
		IdentityShared: d.IdentityShared, Anonymous: d.Anonymous, AcknowledgedAt: d.AcknowledgedAt,
		AcknowledgedBy: d.AcknowledgedBy, DecidedAt: d.DecidedAt, DecidedBy: d.DecidedBy, Decision: d.Decision,
		AgencyRef: d.AgencyRef, Status: statusOf(d), Overdue: d.DecidedAt == nil && !now.Before(d.DueAt)}
	var err error
	for _, f := range []struct {
		dst          *string
		name, sealed string
	}{{&r.Summary, sealSummary, d.Summary}, {&r.Reason, sealReason, d.Reason},
		{&r.LawfulBasisNote, sealBasisNote, d.LawfulBasisNote}, {&r.Outcome, sealOutcome, d.Outcome}} {
		if *f.dst, err = s.open(d.ID, f.name, f.sealed); err != nil {
			return Referral{}, err
		}
	}
	shared, err := s.open(d.ID, sealShared, d.Shared)
	if err != nil {
		return Referral{}, err
	}
	r.Shared = map[Field]string{}
	if shared != "" {
		if err := json.Unmarshal([]byte(shared), &r.Shared); err != nil {
			return Referral{}, fmt.Errorf("referrals: shared fields of %s: %w", d.ID, err)
		}
	}
	return r, nil
}

// unsettled reports whether steps show something d does not (see settle).
func unsettled(d *refDoc, steps []Step) bool {
	for _, st := range steps {
		switch {
		case st.Kind == stepAcknowledged && d.AcknowledgedAt == nil,
			st.Kind == stepDecided && d.DecidedAt == nil,
			st.Kind == stepOverduePaged && d.OverduePagedAt == nil:
			return true
		}
	}
	return false
}

func (s *Service) stepsOf(ctx context.Context, id string) ([]Step, error) {
	evs, err := s.events(ctx, id)
	if err != nil {
		return nil, err
	}
	out := make([]Step, 0, len(evs))
	for _, e := range evs {
		text, err := s.open(e.ID, sealText, e.Text)
		if err != nil {
			return nil, err
		}
		out = append(out, Step{Kind: e.Kind, Number: e.Number, At: e.At, By: e.By, ByAgency: e.ByAgency, Text: text, Decision: e.Decision})
	}
	return out, nil
}

func statusOf(d *refDoc) Status {
	switch {
	case d.DecidedAt != nil:
		return StatusDecided
	case d.AcknowledgedAt != nil:
		return StatusAcknowledged
	}
	return StatusSent
}
