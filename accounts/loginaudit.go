package accounts

import (
	"context"
	"strconv"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"speaksafe/audit"
	"speaksafe/database"
)

// loginFailuresAudited is how many failed sign-ins at one account get an
// `auth.login_failed` entry each per window (loginWindow). Later ones are
// only counted, and summarised in one `auth.login_failed_summary` entry at
// the account's next successful sign-in or when the window has passed: a
// flood of guesses cannot flood the audit chain, whose appends are
// serialised, and so cannot slow everyone else's requests down.
const loginFailuresAudited = 5

// auditClaim marks one audit entry of a window as written; its _id is
// deterministic, so of racing instances one writes it. It outlives the
// count it belongs to, so a sweep cannot write it again.
type auditClaim struct {
	ID        string    `bson:"_id"`
	ExpiresAt time.Time `bson:"expiresAt"`
}

// auditFailure records the n-th failed sign-in of the window at email, of
// user userID (none for an unknown address). n is 0 when counting failed:
// then the entry is written, as before any cap.
func (a *Auth) auditFailure(ctx context.Context, email, userID string, n int) {
	if userID == "" || n > loginFailuresAudited {
		return
	}
	if a.limiter != nil {
		id, end := a.failureID(email)
		slots := []int{n}
		if n == 0 { // the count itself failed (a racing first upsert): take any free slot
			slots = auditSlots()
		}
		claimed := false
		for _, k := range slots {
			if claimed = a.store.claimAudit(ctx, id+"|audit|"+strconv.Itoa(k), end); claimed {
				break
			}
		}
		if !claimed {
			return // a racer was counted as the same n: its entry stands for both
		}
	}
	a.store.recordRefusal(ctx, audit.Entry{Actor: userID, Action: "auth.login_failed", ObjectType: "user", ObjectID: userID})
}

// summariseFailures writes the summary of the failed sign-ins at email in
// the current and the previous window beyond the audited ones, at a
// successful sign-in (the sweep writes the rest).
func (a *Auth) summariseFailures(ctx context.Context, email string) {
	if a.limiter == nil {
		return
	}
	id, _ := a.failureID(email)
	prevStart := a.now().Truncate(loginWindow).Add(-loginWindow)
	prev := a.limiter.ClientKey("account:"+email) + "|" + strconv.FormatInt(prevStart.Unix(), 10)
	for _, fid := range []string{prev, id} {
		f, err := database.FindByID[failureCount](ctx, a.store.db.Collection(colLoginFailures), fid, nil)
		if err != nil {
			a.store.logger.WarnContext(ctx, "reading sign-in failures to summarise failed", "error", err)
			continue
		}
		a.store.summariseFailures(ctx, f)
	}
}

// summariseFailures writes one summary entry of count f when it holds
// failures that got no entry of their own. The claim names the count, so
// a later, larger count of the same window gets its own summary.
func (s *Store) summariseFailures(ctx context.Context, f failureCount) {
	if f.UserID == "" || f.N <= loginFailuresAudited {
		return
	}
	if !s.claimAudit(ctx, f.ID+"|summary|"+strconv.Itoa(f.N), f.ExpiresAt) {
		return
	}
	start := f.ExpiresAt.Add(-loginWindow)
	s.recordRefusal(ctx, audit.Entry{Actor: f.UserID, Action: "auth.login_failed_summary", ObjectType: "user", ObjectID: f.UserID,
		Detail: map[string]string{"failures": strconv.Itoa(f.N), "recorded": strconv.Itoa(loginFailuresAudited),
			"windowStart": start.UTC().Format(time.RFC3339), "windowEnd": f.ExpiresAt.UTC().Format(time.RFC3339)}})
}

// claimAudit inserts claim id (kept a day past end); false when it was
// already taken or could not be written (then the entry is not written:
// the count still is).
func (s *Store) claimAudit(ctx context.Context, id string, end time.Time) bool {
	_, err := s.db.Collection(colLoginFailures).InsertOne(context.WithoutCancel(ctx), auditClaim{ID: id, ExpiresAt: end.Add(24 * time.Hour)})
	if err != nil && !database.IsDuplicateKey(err) {
		s.logger.WarnContext(ctx, "claiming a sign-in audit entry failed", "error", err)
	}
	return err == nil
}

// summariseExpiredFailures writes the summaries of the windows that have
// passed, before the sweep deletes their counts.
func (s *Store) summariseExpiredFailures(ctx context.Context) error {
	cur, err := s.db.Collection(colLoginFailures).Find(ctx, bson.D{
		{Key: "expiresAt", Value: bson.D{{Key: "$lt", Value: s.now()}}},
		{Key: "n", Value: bson.D{{Key: "$gt", Value: loginFailuresAudited}}},
	})
	if err != nil {
		return err
	}
	var counts []failureCount
	if err := cur.All(ctx, &counts); err != nil {
		return err
	}
	for _, f := range counts {
		s.summariseFailures(ctx, f)
	}
	return nil
}

// auditSlots are the numbers 1 to loginFailuresAudited: the slots a failure
// whose count is unknown may claim, so the cap holds either way.
func auditSlots() []int {
	out := make([]int, loginFailuresAudited)
	for i := range out {
		out[i] = i + 1
	}
	return out
}
