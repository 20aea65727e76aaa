package referrals

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"speaksafe/database"
	"speaksafe/errkind"
)

// The referrals of a case form a chain in colCaseLinks (database.ChainAppend)
// under the case id: slot n holds the id of one referral, so that a case's
// referrals are read by _id, in proportion to their number, on every store
// instead of by a filter on caseId (which the embedded store answers by
// decoding every referral). A link is written before its referral, so a
// stored referral always has one; a link whose referral was never stored
// or was deleted by retention points at nothing and is skipped. The
// referral read by its link is the truth: its case and force are checked.
const (
	colCaseLinks = "referral_cases"
	// backfillID marks, in colCaseLinks, that every referral stored before
	// the links existed has its link.
	backfillID = "backfill:case-links"
)

// caseLink is one slot of a case's chain.
type caseLink struct {
	ID         string `bson:"_id"`
	ReferralID string `bson:"referralId"`
}

// link adds referral d to its case's chain, unless it is there already.
func (s *Service) link(ctx context.Context, d *refDoc) error {
	ok, err := database.ChainAppend(ctx, s.d.DB.Collection(colCaseLinks), d.CaseID, maxListLength,
		func(id string) caseLink { return caseLink{ID: id, ReferralID: d.ID} },
		func(l caseLink) bool { return l.ReferralID == d.ID })
	if err != nil {
		return fmt.Errorf("referrals: link to case: %w", err)
	}
	if !ok {
		return errkind.Invalid("caseId", fmt.Sprintf("a case takes at most %d referrals", maxListLength))
	}
	return nil
}

// ofCase reads the referrals of case caseID of force forceID through its
// chain, oldest first.
func (s *Service) ofCase(ctx context.Context, forceID, caseID string) ([]refDoc, error) {
	links, err := database.ChainRead[caseLink](ctx, s.d.DB.Collection(colCaseLinks), caseID, maxListLength)
	if err != nil {
		return nil, fmt.Errorf("referrals: case %s: %w", caseID, err)
	}
	out := []refDoc{}
	for _, l := range links {
		d, err := database.FindByID[refDoc](ctx, s.d.DB.Collection(colReferrals), l.ReferralID, nil)
		if err != nil {
			return nil, fmt.Errorf("referrals: case %s: %w", caseID, err)
		}
		if d.ID != "" && d.CaseID == caseID && d.ForceID == forceID {
			out = append(out, d)
		}
	}
	slices.SortFunc(out, func(a, b refDoc) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return out, nil
}

// LinkCases gives every referral stored before case links existed its
// link, once: it reads the referrals in batches by _id and links each
// (idempotent, so instances doing it at once agree), then marks the work
// done so that later starts skip it. The server runs it at start-up.
func (s *Service) LinkCases(ctx context.Context) error {
	links := s.d.DB.Collection(colCaseLinks)
	if done, err := database.Exists(ctx, links, backfillID); err != nil || done {
		return err
	}
	after := ""
	for {
		docs, err := s.find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$gt", Value: after}}}},
			options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(500))
		if err != nil {
			return err
		}
		for i := range docs {
			if err := s.link(ctx, &docs[i]); err != nil {
				return err
			}
		}
		if len(docs) < 500 {
			break
		}
		after = docs[len(docs)-1].ID
	}
	_, err := links.InsertOne(ctx, bson.D{{Key: "_id", Value: backfillID}, {Key: "at", Value: s.now().Truncate(time.Millisecond)}})
	if err != nil && !database.IsDuplicateKey(err) {
		return fmt.Errorf("referrals: mark case links done: %w", err)
	}
	return nil
}
