package referrals

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"speaksafe/accounts"
	"speaksafe/errkind"
)

// Get shows referral id to a partner of its agency or an officer or
// supervisor of its force, with every step; anyone else gets NotFound.
// Each view is audited with the fields it showed.
func (s *Service) Get(ctx context.Context, id string) (Referral, error) {
	c, d, err := s.forEither(ctx, id)
	if err != nil {
		return Referral{}, err
	}
	if err := s.record(ctx, c.UserID, "referral.viewed", d.CaseID, map[string]string{"referralId": id,
		"agencyId": d.AgencyID, "fields": joinFields(d.Fields), "by": string(c.OrgKind)}); err != nil {
		return Referral{}, err
	}
	return s.view(ctx, d, s.now(), true)
}

// ForCase lists the referrals of case caseID, each with its steps, for an
// officer or supervisor of the case's force; the listing is audited.
func (s *Service) ForCase(ctx context.Context, caseID string) ([]Referral, error) {
	c, err := callerFrom(ctx)
	if err != nil || !isForce(c) {
		return nil, fmt.Errorf("referrals: case %s: %w", caseID, errkind.NotFound)
	}
	force, err := s.d.Cases.ForceOf(ctx, caseID)
	if err != nil {
		return nil, err
	}
	if force != c.ForceID {
		return nil, fmt.Errorf("referrals: case %s: %w", caseID, errkind.NotFound)
	}
	docs, err := s.ofCase(ctx, c.ForceID, caseID)
	if err != nil {
		return nil, err
	}
	if err := s.record(ctx, c.UserID, "referral.listed", caseID, map[string]string{"count": strconv.Itoa(len(docs))}); err != nil {
		return nil, err
	}
	return s.views(ctx, docs, true)
}

// Referred reports whether case caseID of force forceID has a referral
// (reports.Referrals: closing a case as referred needs one).
func (s *Service) Referred(ctx context.Context, forceID, caseID string) (bool, error) {
	docs, err := s.ofCase(ctx, forceID, caseID)
	return len(docs) > 0, err
}

// Page is one page of a listing; Next is the cursor of the next page
// (empty on the last).
type Page struct {
	Items []Referral
	Next  string
}

// Inbox lists the referrals of the caller's agency by deadline, soonest
// first, after cursor (the Next of the previous page), without their
// texts: the partner opens one (Get) to read it.
func (s *Service) Inbox(ctx context.Context, cursor string, limit int) (Page, error) {
	c, err := callerFrom(ctx)
	if err != nil || !isPartner(c) {
		return Page{}, fmt.Errorf("referrals: inbox: %w", errkind.NotFound)
	}
	if limit < 1 || limit > maxListLength {
		limit = maxListLength
	}
	and := bson.A{bson.D{{Key: "agencyId", Value: c.OrgID}}}
	if cursor != "" {
		at, id, err := parseCursor(cursor)
		if err != nil {
			return Page{}, err
		}
		and = append(and, bson.D{{Key: "$or", Value: bson.A{
			bson.D{{Key: "dueAt", Value: bson.D{{Key: "$gt", Value: at}}}},
			bson.D{{Key: "dueAt", Value: at}, {Key: "_id", Value: bson.D{{Key: "$gt", Value: id}}}},
		}}})
	}
	docs, err := s.find(ctx, bson.D{{Key: "$and", Value: and}},
		options.Find().SetSort(bson.D{{Key: "dueAt", Value: 1}, {Key: "_id", Value: 1}}).SetLimit(int64(limit)))
	if err != nil {
		return Page{}, err
	}
	items, err := s.views(ctx, docs, false)
	if err != nil {
		return Page{}, err
	}
	p := Page{Items: withoutTexts(items)}
	if len(docs) == limit {
		last := docs[len(docs)-1]
		p.Next = strconv.FormatInt(last.DueAt.UnixMilli(), 10) + "." + last.ID
	}
	return p, nil
}

func parseCursor(cursor string) (time.Time, string, error) {
	ms, id, ok := strings.Cut(cursor, ".")
	n, err := strconv.ParseInt(ms, 10, 64)
	if !ok || err != nil || id == "" || len(id) > 64 {
		return time.Time{}, "", errkind.Invalid("cursor", "must be the next of the previous page")
	}
	return time.UnixMilli(n).UTC(), id, nil
}

// Overdue lists the open referrals past their deadline that the caller
// oversees: a partner lead those of their agency, a supervisor those their
// force made. Without texts. Anyone else gets NotFound.
func (s *Service) Overdue(ctx context.Context) ([]Referral, error) {
	c, err := callerFrom(ctx)
	switch {
	case err != nil:
		return nil, err
	case isPartner(c) && c.Role.Has(accounts.RightOverseeReferrals):
		return s.overdue(ctx, bson.E{Key: "agencyId", Value: c.OrgID})
	case isForce(c) && c.Role == accounts.RoleSupervisor:
		return s.overdue(ctx, bson.E{Key: "forceId", Value: c.ForceID})
	}
	return nil, fmt.Errorf("referrals: overdue: %w", errkind.NotFound)
}

// OverdueForForce lists the open referrals of force forceID past their
// deadline now, soonest due first, without texts: for reminders and other
// work without a caller.
func (s *Service) OverdueForForce(ctx context.Context, forceID string) ([]Referral, error) {
	return s.overdue(ctx, bson.E{Key: "forceId", Value: forceID})
}

func (s *Service) overdue(ctx context.Context, scope bson.E) ([]Referral, error) {
	now := s.now()
	docs, err := s.find(ctx, bson.D{scope, {Key: "decidedAt", Value: nil}, {Key: "dueAt", Value: bson.D{{Key: "$lte", Value: now}}}},
		options.Find().SetSort(bson.D{{Key: "dueAt", Value: 1}, {Key: "_id", Value: 1}}).SetLimit(500))
	if err != nil {
		return nil, err
	}
	if docs, err = s.undecided(ctx, docs); err != nil {
		return nil, err
	}
	items, err := s.views(ctx, docs, false)
	return withoutTexts(items), err
}

// undecided keeps the docs whose decision step was not claimed. A decided
// referral whose document lost its decision fields (see settle) is settled
// and left out: one read by _id per overdue referral.
func (s *Service) undecided(ctx context.Context, docs []refDoc) ([]refDoc, error) {
	out := docs[:0]
	for _, d := range docs {
		decided, err := s.hasEvent(ctx, eventID(d.ID, stepDecided, 0))
		if err != nil {
			return nil, err
		}
		if !decided {
			out = append(out, d)
			continue
		}
		if err := s.settle(ctx, d.ID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (s *Service) views(ctx context.Context, docs []refDoc, steps bool) ([]Referral, error) {
	now := s.now()
	out := make([]Referral, 0, len(docs))
	for i := range docs {
		r, err := s.view(ctx, &docs[i], now, steps)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// withoutTexts drops what a listing must not show: the texts and shared
// values are read one referral at a time, audited.
func withoutTexts(in []Referral) []Referral {
	for i := range in {
		in[i].Summary, in[i].Reason, in[i].LawfulBasisNote, in[i].Outcome, in[i].Shared = "", "", "", "", nil
	}
	return in
}

func joinFields(fs []Field) string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = string(f)
	}
	return strings.Join(out, ",")
}
