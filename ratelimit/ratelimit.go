// Package ratelimit counts attempts per key in fixed windows, shared by
// every instance through MongoDB, and turns client addresses into keys that
// never store the address: an HMAC under a key that changes every day.
package ratelimit

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"speaksafe/database"
)

const collection = "rate_limits"

// Limiter counts attempts. With a shared MongoDB each window is one
// document bumped by an atomic $inc upsert, so all instances share counts.
// The embedded store cannot increment atomically (racing updates are lost),
// and an embedded deployment is one process by construction, so in that
// mode counts are kept in this process's memory instead: exact, and no
// weaker than the shared store would be.
type Limiter struct {
	db     *mongo.Database
	secret []byte
	now    func() time.Time
	local  bool

	mu     sync.Mutex
	calls  int
	count  map[string]*localWindow
	groups map[string]*localGroup

	// incs sends the shared counts of one window document that meet as one
	// increment (see incShared).
	incs *database.Grouper[string, time.Time, int]
	// claims counts the attempts of Claim (claims.go).
	claims *claims
}

type localWindow struct {
	n   int
	end time.Time
}

// New returns a Limiter. secret keys client-address hashes (at least 32
// bytes, the same on every instance); local selects in-memory counting for
// the embedded single-process mode.
func New(db *mongo.Database, secret []byte, local bool, now func() time.Time) (*Limiter, error) {
	if len(secret) < 32 {
		return nil, errors.New("ratelimit: RATE_LIMIT_SECRET must be at least 32 bytes")
	}
	if now == nil {
		now = time.Now
	}
	l := &Limiter{db: db, secret: secret, now: now, local: local,
		count: map[string]*localWindow{}, groups: map[string]*localGroup{}, claims: newClaims(db)}
	l.incs = database.NewGrouper(maxIncrement, l.incBy)
	return l, nil
}

// Indexes are the indexes the shared store needs (for the sweep).
func Indexes() []database.Index {
	return []database.Index{{Collection: collection, Keys: bson.D{{Key: "expiresAt", Value: 1}}, Name: "expires"},
		{Collection: colSlots, Keys: bson.D{{Key: "expiresAt", Value: 1}}, Name: "expires"}}
}

// ClientKey turns a client address into a rate-limit key: HMAC-SHA256 under
// a key derived from the secret and today's UTC date. The address itself is
// never stored, and yesterday's keys cannot be linked to today's. An IPv6
// client is keyed by its /64: one subscriber or site usually holds a whole
// /64, so keying by the full address would let it take a fresh allowance
// with every address it picks.
func (l *Limiter) ClientKey(ip string) string {
	day := hmac.New(sha256.New, l.secret)
	day.Write([]byte("client-key:" + l.now().UTC().Format(time.DateOnly)))
	m := hmac.New(sha256.New, day.Sum(nil))
	m.Write([]byte(network(ip)))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:18])
}

// network is the part of address ip that names one client: the address for
// IPv4 (and IPv4-mapped IPv6), the /64 prefix for IPv6. Anything that does
// not parse is its own client.
func network(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	a = a.Unmap()
	if a.Is4() {
		return a.String()
	}
	p, err := a.WithZone("").Prefix(64)
	if err != nil {
		return ip
	}
	return p.String()
}

// window names the current window of key in bucket: the time now, the
// window's document id and when it ends.
func (l *Limiter) window(bucket, key string, window time.Duration) (now time.Time, id string, end time.Time) {
	now = l.now()
	start := now.Truncate(window)
	return now, bucket + "|" + key + "|" + strconv.FormatInt(start.Unix(), 10), start.Add(window)
}

// Allow counts one attempt of key in bucket and reports whether it is within
// max per window; if not, how long until the window ends.
func (l *Limiter) Allow(ctx context.Context, bucket, key string, max int, window time.Duration) (bool, time.Duration, error) {
	if window <= 0 || max < 1 {
		return false, 0, errors.New("ratelimit: bad limit")
	}
	now, id, end := l.window(bucket, key, window)
	var n int
	var err error
	if l.local {
		n = l.incLocal(id, end, now)
	} else if n, err = l.incShared(ctx, id, end); err != nil {
		return false, 0, err
	}
	if n > max {
		return false, end.Sub(now), nil
	}
	return true, 0, nil
}

func (l *Limiter) incLocal(id string, end, now time.Time) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls++
	if l.calls%1024 == 0 {
		for k, w := range l.count {
			if !now.Before(w.end) {
				delete(l.count, k)
			}
		}
	}
	w := l.count[id]
	if w == nil {
		w = &localWindow{end: end}
		l.count[id] = w
	}
	w.n++
	return w.n
}

type counter struct {
	N int `bson:"n"`
}

// maxIncrement bounds the attempts one shared increment counts.
const maxIncrement = 1000

// incShared counts one attempt in window document id of the shared store
// and returns the attempt's number in the window. The attempts of one
// document that arrive while its increment is in flight go together in the
// next one ($inc by their number), and each is answered with its own
// number, as if counted one by one: under a flood of one key (a force's
// urgent reports, one network) that is one store write per round trip
// instead of one per request, and this process never races itself on a
// document (the embedded store loses racing increments).
func (l *Limiter) incShared(ctx context.Context, id string, end time.Time) (int, error) {
	n, err := l.incs.Do(ctx, id, end)
	if err != nil {
		return 0, fmt.Errorf("ratelimit: count: %w", err)
	}
	return n, nil
}

// incBy adds len(ends) attempts to window document id (its end is ends[0]
// when the document is new) and numbers them in order.
func (l *Limiter) incBy(ctx context.Context, id string, ends []time.Time) ([]int, []error) {
	k := len(ends)
	opts := options.FindOneAndUpdate().SetUpsert(true).SetReturnDocument(options.After)
	update := bson.D{
		{Key: "$inc", Value: bson.D{{Key: "n", Value: k}}},
		{Key: "$setOnInsert", Value: bson.D{{Key: "expiresAt", Value: ends[0]}}},
	}
	for attempt := 0; ; attempt++ {
		var c counter
		err := l.db.Collection(collection).FindOneAndUpdate(ctx, bson.D{{Key: "_id", Value: id}}, update, opts).Decode(&c)
		// Two first attempts racing to insert: one loses with a duplicate
		// key and retries as an update.
		if database.IsDuplicateKey(err) && attempt == 0 {
			continue
		}
		errs := make([]error, k)
		if err != nil {
			for i := range errs {
				errs[i] = err
			}
			return nil, errs
		}
		ns := make([]int, k)
		for i := range ns {
			ns[i] = c.N - k + 1 + i
		}
		return ns, nil
	}
}

// Sweep deletes finished windows: in memory and in the shared store.
func (l *Limiter) Sweep(ctx context.Context) error {
	now := l.now()
	l.mu.Lock()
	for k, w := range l.count {
		if !now.Before(w.end) {
			delete(l.count, k)
		}
	}
	for k, g := range l.groups {
		if !now.Before(g.end) {
			delete(l.groups, k)
		}
	}
	l.mu.Unlock()
	if l.local {
		return nil
	}
	for _, coll := range []string{collection, colSlots} {
		_, err := l.db.Collection(coll).DeleteMany(ctx, bson.D{{Key: "expiresAt", Value: bson.D{{Key: "$lte", Value: now}}}})
		if err != nil {
			return fmt.Errorf("ratelimit: sweep: %w", err)
		}
	}
	return nil
}

// Exceeded reports, without counting an attempt, whether key has already
// used up max attempts in bucket in the current window, and if so how long
// until the window ends. It lets a caller count only failures (Allow after
// one) while refusing before the work once they are used up.
func (l *Limiter) Exceeded(ctx context.Context, bucket, key string, max int, window time.Duration) (bool, time.Duration, error) {
	if window <= 0 || max < 1 {
		return false, 0, errors.New("ratelimit: bad limit")
	}
	now, id, end := l.window(bucket, key, window)
	n := 0
	if l.local {
		l.mu.Lock()
		if w := l.count[id]; w != nil {
			n = w.n
		}
		l.mu.Unlock()
	} else {
		c, err := database.FindByID[counter](ctx, l.db.Collection(collection), id, nil)
		if err != nil {
			return false, 0, fmt.Errorf("ratelimit: read count: %w", err)
		}
		n = c.N
	}
	if n >= max {
		return true, end.Sub(now), nil
	}
	return false, 0, nil
}
