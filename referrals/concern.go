package referrals

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"speaksafe/accounts"
	"speaksafe/database"
)

// ConcernActor is the audit actor of a referral a school asked for when it
// raised a concern: the service makes it on the school's request.
const ConcernActor = "system:school-concern"

// ConcernRequest is a school concern its school asked to refer straight to
// the area's MASH.
type ConcernRequest struct {
	CaseID, Reference, ForceID string
	Urgent                     bool
	// Facts are the concern's shareable fields, read without marking the
	// case read (no officer has opened it).
	Facts CaseFacts
}

// ConcernProgress is how far a concern's MASH referral has got: when it was
// made, and when and what the agency decided. The zero value: none yet.
type ConcernProgress struct {
	ReferredAt *time.Time
	DecidedAt  *time.Time
	Decision   Decision
}

// FromConcern refers the concern of r to every children's social care
// agency (the MASH front door) serving its force: immediate when the
// concern is urgent, standard otherwise, sharing the category and what was
// seen or said. It is idempotent per case and agency (the referral's _id
// is derived from both), so a retried concern refers once. With no such
// agency it does nothing and says so.
func (s *Service) FromConcern(ctx context.Context, r ConcernRequest) (int, error) {
	agencies, err := s.d.Orgs.AgenciesOf(ctx, r.ForceID)
	if err != nil {
		return 0, err
	}
	caller := accounts.Caller{UserID: ConcernActor, ForceID: r.ForceID}
	in := Input{Summary: "A school raised this concern about a pupil and asked for it to be referred to the MASH (reference " +
		r.Reference + "). The force's officers hold the pupil's details; ask them through a question.",
		Reason:      "The school's designated safeguarding lead or staff member asked for a MASH referral when raising the concern.",
		LawfulBasis: "dpa2018_safeguarding_children", Urgency: UrgencyStandard, Fields: []Field{FieldCategory, FieldWhatHappened}}
	if r.Urgent {
		in.Urgency = UrgencyImmediate
	}
	now := s.now()
	due := s.dueAt(in.Urgency, now)
	shared := r.Facts.pick(in.Fields)
	n := 0
	for _, a := range agencies {
		if a.AgencyType != accounts.AgencyChildrensSocialCare {
			continue
		}
		id := "concern-" + r.CaseID + "-" + a.ID
		if _, err := s.load(ctx, id); err == nil {
			continue // referred already (a retried concern)
		}
		d := &refDoc{ID: id, CaseID: r.CaseID, ForceID: r.ForceID, AgencyID: a.ID, CreatedBy: ConcernActor,
			CreatedAt: now, Urgency: in.Urgency, DueAt: due, LawfulBasis: in.LawfulBasis, Fields: sharedFields(shared),
			Anonymous: !r.Facts.Identified}
		if err := s.store(ctx, caller, d, in, shared); err != nil {
			if database.IsDuplicateKey(err) {
				continue // a racing retry referred it
			}
			return n, err
		}
		n++
	}
	if n == 0 {
		s.d.Log.WarnContext(ctx, "concern: no children's social care agency serves this force; the concern was not referred",
			"case_id", r.CaseID, "force_id", r.ForceID)
	}
	return n, nil
}

// ConcernProgressOf reports how far the MASH referrals of case caseID have
// got, for the school's view of its concern: the first referral's time,
// and the first decision recorded.
func (s *Service) ConcernProgressOf(ctx context.Context, caseID string) (ConcernProgress, error) {
	docs, err := s.find(ctx, bson.D{{Key: "caseId", Value: caseID}}, nil)
	if err != nil {
		return ConcernProgress{}, err
	}
	var p ConcernProgress
	for _, d := range docs {
		if p.ReferredAt == nil || d.CreatedAt.Before(*p.ReferredAt) {
			at := d.CreatedAt
			p.ReferredAt = &at
		}
		if d.DecidedAt != nil && (p.DecidedAt == nil || d.DecidedAt.Before(*p.DecidedAt)) {
			p.DecidedAt, p.Decision = d.DecidedAt, d.Decision
		}
	}
	return p, nil
}
