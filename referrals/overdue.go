package referrals

import (
	"context"
	"errors"
	"strconv"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// SweepInterval is how often the overdue worker looks: an immediate
// referral is paged at most this long after its deadline.
const SweepInterval = time.Minute

// Sweep pages the agency's on-call for every immediate referral that is
// undecided past its deadline, once per referral across all instances:
// the page is claimed by inserting the step "<referral>:overdue_paged".
// It answers how many referrals it paged for.
func (s *Service) Sweep(ctx context.Context) (int, error) {
	now := s.now()
	docs, err := s.find(ctx, bson.D{{Key: "decidedAt", Value: nil}, {Key: "overduePagedAt", Value: nil},
		{Key: "urgency", Value: UrgencyImmediate}, {Key: "dueAt", Value: bson.D{{Key: "$lte", Value: now}}}},
		options.Find().SetSort(bson.D{{Key: "dueAt", Value: 1}}).SetLimit(200))
	if err != nil {
		return 0, err
	}
	n := 0
	var errs []error
	for i := range docs {
		paged, err := s.pageOverdue(ctx, &docs[i], now)
		if err != nil {
			errs = append(errs, err)
		}
		if paged {
			n++
		}
	}
	return n, errors.Join(errs...)
}

// pageOverdue claims and sends the overdue page of d.
func (s *Service) pageOverdue(ctx context.Context, d *refDoc, now time.Time) (bool, error) {
	decided, err := s.hasEvent(ctx, eventID(d.ID, stepDecided, 0))
	if err != nil || decided {
		return false, err
	}
	won, err := s.claim(ctx, eventDoc{ID: eventID(d.ID, stepOverduePaged, 0), ReferralID: d.ID, Kind: stepOverduePaged, At: now})
	if err != nil {
		return false, err
	}
	if won {
		sent, perr := s.d.Pager.PageReferral(ctx, d.AgencyID, d.ID, now)
		detail := map[string]string{"referralId": d.ID, "agencyId": d.AgencyID, "pages": strconv.Itoa(sent)}
		if perr != nil {
			detail["gap"] = "nobody on call could be paged"
			s.d.Log.WarnContext(ctx, "overdue referral: the agency's on-call could not be paged",
				"referral_id", d.ID, "agency_id", d.AgencyID, "err", perr)
		}
		if err := s.record(ctx, "", "referral.overdue_paged", d.CaseID, detail); err != nil {
			s.d.Log.ErrorContext(ctx, "overdue referral page not audited", "referral_id", d.ID, "err", err)
		}
	}
	// Whoever claimed it, the referral needs no more looking at.
	return won, s.set(ctx, d.ID, bson.D{{Key: "overduePagedAt", Value: now}})
}

// RunSweeper sweeps for overdue referrals every interval, and for
// referrals of deleted cases every RetentionInterval, until ctx ends.
func (s *Service) RunSweeper(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	var lastRetention time.Time
	for {
		if _, err := s.Sweep(ctx); err != nil && ctx.Err() == nil {
			s.d.Log.ErrorContext(ctx, "overdue referral sweep failed", "error", err)
		}
		if now := s.now(); now.Sub(lastRetention) >= RetentionInterval {
			lastRetention = now
			if _, err := s.SweepDeletedCases(ctx); err != nil && ctx.Err() == nil {
				s.d.Log.ErrorContext(ctx, "referral retention sweep failed", "error", err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
