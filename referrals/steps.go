package referrals

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"

	"speaksafe/errkind"
)

// conflict is a Conflict whose explanation is safe to show the client.
func conflict(detail string) error {
	return &errkind.ExplainedConflict{Pkg: "referrals", Detail: detail}
}

// Acknowledge records that the caller's agency received referral id. A
// repeat changes nothing and succeeds.
func (s *Service) Acknowledge(ctx context.Context, id string) (Referral, error) {
	c, d, err := s.forAgency(ctx, id)
	if err != nil {
		return Referral{}, err
	}
	unlock := s.lock(id)
	defer unlock()
	if err := s.acknowledge(ctx, c.UserID, d); err != nil {
		return Referral{}, err
	}
	return s.reload(ctx, id)
}

// acknowledge claims the acknowledgement of d, once; d must be locked.
func (s *Service) acknowledge(ctx context.Context, userID string, d *refDoc) error {
	now := s.now()
	won, err := s.claim(ctx, eventDoc{ID: eventID(d.ID, stepAcknowledged, 0), ReferralID: d.ID, Kind: stepAcknowledged,
		At: now, By: userID, ByAgency: true})
	if err != nil || !won {
		return err
	}
	if err := s.record(ctx, userID, "referral.acknowledged", d.CaseID, map[string]string{"referralId": d.ID, "agencyId": d.AgencyID}); err != nil {
		return err
	}
	return s.set(ctx, d.ID, bson.D{{Key: "acknowledgedAt", Value: now}, {Key: "acknowledgedBy", Value: userID}})
}

// DecisionInput is an agency's decision on a referral.
type DecisionInput struct {
	Decision  Decision
	AgencyRef string // the agency's own reference
	Outcome   string // one line the force may pass on
}

// Validate reports every problem with in.
func (in DecisionInput) Validate() error {
	v := &errkind.ValidationError{}
	v.Check(!slices.Contains(Decisions(), in.Decision), "decision",
		"must be immediate_protection, section_47, section_17, early_help, advice_universal or no_further_action")
	checkText(v, "agencyReference", in.AgencyRef, MaxReference, false)
	checkText(v, "outcome", in.Outcome, MaxOutcome, true)
	v.Check(strings.ContainsAny(in.Outcome, "\r\n"), "outcome", "must be one line")
	return v.Err()
}

// Decide records the agency's decision on referral id, once: a second
// decision is a Conflict. Deciding acknowledges too.
func (s *Service) Decide(ctx context.Context, id string, in DecisionInput) (Referral, error) {
	in.AgencyRef, in.Outcome = strings.TrimSpace(in.AgencyRef), strings.TrimSpace(in.Outcome)
	if err := in.Validate(); err != nil {
		return Referral{}, err
	}
	c, d, err := s.forAgency(ctx, id)
	if err != nil {
		return Referral{}, err
	}
	unlock := s.lock(id)
	defer unlock()
	if err := s.acknowledge(ctx, c.UserID, d); err != nil {
		return Referral{}, err
	}
	now := s.now()
	outcome, err := s.seal(id, sealOutcome, in.Outcome)
	if err != nil {
		return Referral{}, err
	}
	step := eventDoc{ID: eventID(id, stepDecided, 0), ReferralID: id, Kind: stepDecided, At: now,
		By: c.UserID, ByAgency: true, Decision: in.Decision, AgencyRef: in.AgencyRef, Outcome: outcome}
	won, err := s.claim(ctx, step)
	if err != nil {
		return Referral{}, err
	}
	if !won {
		return Referral{}, conflict("This referral has been decided already.")
	}
	if err := s.record(ctx, c.UserID, "referral.decided", d.CaseID, map[string]string{"referralId": id,
		"agencyId": d.AgencyID, "decision": string(in.Decision), "onTime": strconv.FormatBool(!now.After(d.DueAt))}); err != nil {
		return Referral{}, err
	}
	if err := s.set(ctx, id, decisionFields(step)); err != nil {
		return Referral{}, err
	}
	return s.reload(ctx, id)
}

// Ask records a question from the agency to the force about referral id.
func (s *Service) Ask(ctx context.Context, id, text string) (Referral, error) {
	text = strings.TrimSpace(text)
	if err := checkQuestion("text", text); err != nil {
		return Referral{}, err
	}
	c, d, err := s.forAgency(ctx, id)
	if err != nil {
		return Referral{}, err
	}
	unlock := s.lock(id)
	defer unlock()
	for n := d.Questions + 1; n <= maxQuestions; n++ {
		e := eventDoc{ID: eventID(id, stepQuestion, n), ReferralID: id, Kind: stepQuestion, Number: n, At: s.now(), By: c.UserID, ByAgency: true}
		if e.Text, err = s.seal(e.ID, sealText, text); err != nil {
			return Referral{}, err
		}
		won, err := s.claim(ctx, e)
		if err != nil {
			return Referral{}, err
		}
		if !won {
			continue // another instance asked question n meanwhile
		}
		if err := s.record(ctx, c.UserID, "referral.question_asked", d.CaseID, map[string]string{"referralId": id,
			"agencyId": d.AgencyID, "question": strconv.Itoa(n)}); err != nil {
			return Referral{}, err
		}
		if err := s.set(ctx, id, bson.D{{Key: "questions", Value: n}}); err != nil {
			return Referral{}, err
		}
		return s.reload(ctx, id)
	}
	return Referral{}, conflict(fmt.Sprintf("A referral takes at most %d questions; call the force instead.", maxQuestions))
}

// Answer records the force's answer to question n of referral id, once.
func (s *Service) Answer(ctx context.Context, id string, n int, text string) (Referral, error) {
	text = strings.TrimSpace(text)
	if err := checkQuestion("text", text); err != nil {
		return Referral{}, err
	}
	c, d, err := s.forForce(ctx, id)
	if err != nil {
		return Referral{}, err
	}
	asked, err := s.hasEvent(ctx, eventID(id, stepQuestion, n))
	if err != nil {
		return Referral{}, err
	}
	if n < 1 || !asked {
		return Referral{}, errkind.Invalid("question", "no such question on this referral")
	}
	e := eventDoc{ID: eventID(id, stepAnswer, n), ReferralID: id, Kind: stepAnswer, Number: n, At: s.now(), By: c.UserID}
	if e.Text, err = s.seal(e.ID, sealText, text); err != nil {
		return Referral{}, err
	}
	won, err := s.claim(ctx, e)
	if err != nil {
		return Referral{}, err
	}
	if !won {
		return Referral{}, conflict("This question has been answered already.")
	}
	if err := s.record(ctx, c.UserID, "referral.question_answered", d.CaseID, map[string]string{"referralId": id,
		"agencyId": d.AgencyID, "question": strconv.Itoa(n)}); err != nil {
		return Referral{}, err
	}
	return s.reload(ctx, id)
}

func checkQuestion(field, text string) error {
	v := &errkind.ValidationError{}
	checkText(v, field, text, MaxQuestion, true)
	return v.Err()
}

// reload reads referral id again and shows it with its steps.
func (s *Service) reload(ctx context.Context, id string) (Referral, error) {
	d, err := s.load(ctx, id)
	if err != nil {
		return Referral{}, err
	}
	return s.view(ctx, d, s.now(), true)
}
