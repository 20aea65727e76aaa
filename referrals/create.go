package referrals

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"speaksafe/accounts"
	"speaksafe/database"
	"speaksafe/errkind"
)

// Create refers case caseID to each agency in in.AgencyIDs on behalf of
// caller, and answers the referrals made. Caller must be allowed to share
// the case (Cases.ShareView decides: an officer or supervisor of its force
// for a police case) and every agency must serve the case's force. The
// chosen fields of the case are copied as they are now. Each share is
// audited (who, when, which fields, on what basis) before it is stored.
func (s *Service) Create(ctx context.Context, caller accounts.Caller, caseID string, in Input) ([]Referral, error) {
	in.Summary, in.Reason, in.LawfulBasisNote = strings.TrimSpace(in.Summary), strings.TrimSpace(in.Reason), strings.TrimSpace(in.LawfulBasisNote)
	if err := in.Validate(); err != nil {
		return nil, err
	}
	facts, err := s.d.Cases.ShareView(ctx, caller, caseID)
	if err != nil {
		return nil, err
	}
	if in.IdentityShared && !facts.Identified {
		return nil, errkind.Invalid("identityShared", "the report is anonymous: there is no identity to share")
	}
	if err := s.checkAgencies(ctx, facts.ForceID, in.AgencyIDs); err != nil {
		return nil, err
	}
	shared := facts.pick(in.Fields)
	now := s.now()
	due := s.dueAt(in.Urgency, now)
	out := make([]Referral, 0, len(in.AgencyIDs))
	for _, agency := range in.AgencyIDs {
		d := &refDoc{ID: database.NewID(), CaseID: facts.ID, ForceID: facts.ForceID, AgencyID: agency, CreatedBy: caller.UserID,
			CreatedAt: now, Urgency: in.Urgency, DueAt: due, LawfulBasis: in.LawfulBasis, Fields: sharedFields(shared),
			IdentityShared: in.IdentityShared && facts.Identified, Anonymous: !facts.Identified}
		if err := s.store(ctx, caller, d, in, shared); err != nil {
			return nil, err
		}
		r, err := s.view(ctx, d, now, true)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// checkAgencies makes sure each id is an agency serving force forceID.
func (s *Service) checkAgencies(ctx context.Context, forceID string, ids []string) error {
	v := &errkind.ValidationError{}
	for i, id := range ids {
		o, err := s.d.Orgs.GetOrganisation(ctx, id)
		if err != nil && !errkindIsNotFound(err) {
			return err
		}
		v.Check(err != nil || !o.Serves(forceID), fmt.Sprintf("agencyIds[%d]", i), "is not an agency serving this force's area")
	}
	return v.Err()
}

// pick returns the chosen fields the case has, as text.
func (f CaseFacts) pick(fields []Field) map[Field]string {
	out := map[Field]string{}
	for _, x := range fields {
		if v := f.Values[x]; v != "" {
			out[x] = v
		}
	}
	return out
}

// dueAt is when a referral of urgency u shared at now needs its decision:
// within ImmediateWithin, or by the end of the next working day.
func (s *Service) dueAt(u Urgency, now time.Time) time.Time {
	if u == UrgencyStandard {
		return s.d.Calendar.EndOfNextWorkingDay(now)
	}
	return now.Add(ImmediateWithin)
}

// sharedFields lists the fields actually shared, in the listed order.
func sharedFields(shared map[Field]string) []Field {
	out := []Field{}
	for _, f := range Fields() {
		if _, ok := shared[f]; ok {
			out = append(out, f)
		}
	}
	return out
}

// store seals d's texts, audits the share and inserts d, after its link
// to its case (caselinks.go), with its first step.
func (s *Service) store(ctx context.Context, caller accounts.Caller, d *refDoc, in Input, shared map[Field]string) error {
	raw, err := json.Marshal(shared)
	if err != nil {
		return fmt.Errorf("referrals: shared fields: %w", err)
	}
	for _, f := range []struct {
		dst        *string
		name, text string
	}{{&d.Summary, sealSummary, in.Summary}, {&d.Reason, sealReason, in.Reason},
		{&d.LawfulBasisNote, sealBasisNote, in.LawfulBasisNote}, {&d.Shared, sealShared, string(raw)}} {
		if *f.dst, err = s.seal(d.ID, f.name, f.text); err != nil {
			return err
		}
	}
	if err := s.record(ctx, caller.UserID, "referral.shared", d.CaseID, map[string]string{
		"referralId": d.ID, "agencyId": d.AgencyID, "fields": joinFields(d.Fields), "lawfulBasis": string(d.LawfulBasis),
		"urgency": string(d.Urgency), "identityShared": fmt.Sprint(d.IdentityShared), "dueAt": d.DueAt.Format(time.RFC3339),
	}); err != nil {
		return err
	}
	if err := s.link(ctx, d); err != nil {
		return err
	}
	if _, err := s.d.DB.Collection(colReferrals).InsertOne(ctx, d); err != nil {
		return fmt.Errorf("referrals: insert: %w", err)
	}
	if _, err := s.claim(ctx, eventDoc{ID: eventID(d.ID, stepShared, 0), ReferralID: d.ID, Kind: stepShared,
		At: d.CreatedAt, By: caller.UserID}); err != nil {
		return err
	}
	return nil
}
