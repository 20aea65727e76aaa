package handlers

import (
	"context"
	"time"

	"github.com/gofiber/fiber/v2"

	"speaksafe/errkind"
)

// RateLimiter counts attempts per key; ratelimit.Limiter implements it.
type RateLimiter interface {
	// Allow counts one attempt of key in bucket and reports whether it is
	// within max per window, or else how long until it may be retried.
	Allow(ctx context.Context, bucket, key string, max int, window time.Duration) (bool, time.Duration, error)
	// ClientKey turns a client address into a key that is not the address.
	ClientKey(ip string) string
}

// Limits builds per-client rate-limit middleware.
type Limits struct {
	l     RateLimiter
	addrs *ClientAddrs
}

// NewLimits returns Limits counting with l.
// Clients are told apart by addrs, which believes X-Forwarded-For only from
// trusted proxies and reads it from the right.
func NewLimits(l RateLimiter, addrs *ClientAddrs) *Limits { return &Limits{l: l, addrs: addrs} }

// PerClient allows each client max requests per window in bucket and
// answers 429 problem+json with Retry-After beyond that. The client is the
// keyed hash of its address (see ClientAddrs.Of): X-Forwarded-For counts
// only from TRUSTED_PROXIES and only its right-most untrusted entry, so a
// client cannot dodge the limit by inventing forwarded addresses. The
// address is never stored or logged.
func (x *Limits) PerClient(bucket string, max int, window time.Duration) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if err := x.Check(c, bucket, max, window); err != nil {
			return err
		}
		return c.Next()
	}
}

// Client returns the key of c's client for limits kept by a domain store:
// the keyed, daily-rotated hash of its address (IPv6 by /64), never the
// address itself.
func (x *Limits) Client(c *fiber.Ctx) string { return x.l.ClientKey(x.addrs.Of(c)) }

// Check counts one request of c's client in bucket, for limits that depend
// on what the request says (a handler calls it after decoding). It returns
// *errkind.RateLimited beyond max per window.
func (x *Limits) Check(c *fiber.Ctx, bucket string, max int, window time.Duration) error {
	key := x.Client(c)
	ok, retry, err := x.l.Allow(c.UserContext(), bucket, key, max, window)
	if err != nil {
		return err
	}
	if !ok {
		return &errkind.RateLimited{RetryAfter: retry}
	}
	return nil
}
