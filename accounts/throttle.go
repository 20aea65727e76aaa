package accounts

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"speaksafe/database"
	"speaksafe/errkind"
)

// Sign-in throttling (SECURITY 4). Nobody may be able to keep an officer
// out of their account, so failures are refused only per client: one
// client's attempts at one account (loginPerAccountClient) and, in the
// HTTP layer, one client's attempts overall. Per account, across all
// clients, failures only slow sign-in down: after loginFreeFailures in a
// window each attempt waits a delay that doubles per failure up to
// loginDelayCap, right password or not.
const (
	loginPerAccountClient = 10
	loginWindow           = 15 * time.Minute
	loginFreeFailures     = 5
	loginDelayStep        = 250 * time.Millisecond
	loginDelayCap         = 4 * time.Second
)

const colLoginFailures = "login_failures"

// failureCount is one account's sign-in failures in one window. Its _id
// is a keyed hash of the address (see Limiter.ClientKey) and the window
// start, so the collection names nobody.
type failureCount struct {
	ID        string    `bson:"_id"`
	N         int       `bson:"n"`
	ExpiresAt time.Time `bson:"expiresAt"`
	// UserID is set when a failure was at an existing account: its
	// unrecorded failures are summarised in the audit log (loginaudit.go).
	UserID string `bson:"userId,omitempty"`
}

// guard throttles a sign-in attempt (or a step-up) for email from client:
// Refused beyond loginPerAccountClient attempts of that client at that
// account per window; otherwise delayed by the account's recent failures.
// The store work is done inside the sign-in gate; the delay is waited
// outside it, so that a slowed-down account holds no place in the gate.
func (a *Auth) guard(ctx context.Context, email, client string) error {
	if a.limiter == nil {
		return nil
	}
	d, err := a.throttle(ctx, email, client)
	if err != nil {
		return err
	}
	if d > 0 {
		return a.sleep(ctx, d)
	}
	return nil
}

// throttle counts the attempt of client at email and returns how long it
// must wait, or Refused beyond the per-(account, client) limit.
func (a *Auth) throttle(ctx context.Context, email, client string) (time.Duration, error) {
	leave, err := a.gate.enter(ctx)
	if err != nil {
		return 0, err
	}
	defer leave()
	key := a.limiter.ClientKey("account-client:" + email + "|" + client)
	ok, retry, err := a.limiter.Allow(ctx, "login-account-client", key, loginPerAccountClient, loginWindow)
	if err != nil {
		return 0, fmt.Errorf("accounts: throttle: %w", err)
	}
	if !ok {
		return 0, &errkind.RateLimited{RetryAfter: retry}
	}
	n, err := a.failures(ctx, email)
	if err != nil {
		return 0, err
	}
	return LoginDelay(n), nil
}

// LoginDelay is how long an attempt waits after n recent failures at its
// account: nothing for the first few, then doubling, capped.
func LoginDelay(n int) time.Duration {
	if n < loginFreeFailures {
		return 0
	}
	d := loginDelayStep
	for i := loginFreeFailures; i < n && d < loginDelayCap; i++ {
		d *= 2
	}
	return min(d, loginDelayCap)
}

// failureID names email's failure count of the current window.
func (a *Auth) failureID(email string) (string, time.Time) {
	start := a.now().Truncate(loginWindow)
	return a.limiter.ClientKey("account:"+email) + "|" + strconv.FormatInt(start.Unix(), 10), start.Add(loginWindow)
}

// failures returns email's failures in the current window.
func (a *Auth) failures(ctx context.Context, email string) (int, error) {
	id, _ := a.failureID(email)
	f, err := database.FindByID[failureCount](ctx, a.store.db.Collection(colLoginFailures), id, nil)
	if err != nil {
		return 0, fmt.Errorf("accounts: sign-in failures: %w", err)
	}
	return f.N, nil
}

// noteFailure counts a failed attempt at email. With MongoDB the count is
// an atomic $inc; on the embedded store racing failures may be counted as
// one, which only shortens a delay: no refusal rests on this count.
func (a *Auth) noteFailure(ctx context.Context, email string) {
	a.countFailure(ctx, email, "")
}

// countFailure counts a failed attempt at email (of user userID, when the
// account exists) and returns the window's count so far; 0 when it could
// not be counted.
func (a *Auth) countFailure(ctx context.Context, email, userID string) int {
	if a.limiter == nil {
		return 0
	}
	id, end := a.failureID(email)
	update := bson.D{{Key: "$inc", Value: bson.D{{Key: "n", Value: 1}}},
		{Key: "$setOnInsert", Value: bson.D{{Key: "expiresAt", Value: end}}}}
	if userID != "" {
		update = append(update, bson.E{Key: "$set", Value: bson.D{{Key: "userId", Value: userID}}})
	}
	var f failureCount
	err := a.store.db.Collection(colLoginFailures).FindOneAndUpdate(context.WithoutCancel(ctx), bson.D{{Key: "_id", Value: id}},
		update, options.FindOneAndUpdate().SetUpsert(true).SetReturnDocument(options.After)).Decode(&f)
	if err != nil {
		a.store.logger.WarnContext(ctx, "counting a sign-in failure failed", "error", err)
		return 0
	}
	return f.N
}

// sleepContext waits d or until ctx ends.
func sleepContext(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
