package accounts

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"speaksafe/errkind"
	"speaksafe/hashbudget"
)

// Argon2Params tune password hashing (see docs/accounts.md for the chosen
// defaults). MaxConcurrent sizes the hasher's own memory budget
// (MaxConcurrent × MemoryKiB) when it is not given a shared one.
type Argon2Params struct {
	Time          uint32
	MemoryKiB     uint32
	Threads       uint8
	MaxConcurrent int
}

// hashWait is how long a login waits for a hashing slot before it is told
// to retry later (429) instead of queueing without end.
const hashWait = 5 * time.Second

// Hasher hashes and verifies passwords with Argon2id. Every hash first takes
// its memory from a budget shared with every other Argon2 user of the
// process, so memory for hashing never exceeds the budget however many
// logins arrive.
type Hasher struct {
	p      Argon2Params
	budget *hashbudget.Budget
	// dummy is verified against when the email is unknown, so that an
	// unknown address costs the same time as a wrong password.
	dummy string
}

// NewHasher returns a Hasher with parameters p, which must be sane, taking
// memory from budget (nil: a budget of its own of MaxConcurrent hashes).
func NewHasher(p Argon2Params, budget *hashbudget.Budget) (*Hasher, error) {
	if p.Time < 1 || p.MemoryKiB < 8*1024 || p.Threads < 1 || p.MaxConcurrent < 1 {
		return nil, errors.New("accounts: ARGON2_*: need time ≥ 1, memory ≥ 8192 KiB, threads ≥ 1, max concurrent ≥ 1")
	}
	if budget == nil {
		var err error
		if budget, err = hashbudget.New(int64(p.MaxConcurrent) * int64(p.MemoryKiB)); err != nil {
			return nil, fmt.Errorf("accounts: %w", err)
		}
	}
	h := &Hasher{p: p, budget: budget}
	d, err := h.Hash(context.Background(), "dummy password for unknown accounts")
	if err != nil {
		return nil, err
	}
	h.dummy = d
	return h, nil
}

// slots is how many hashes of this hasher's parameters the budget holds at
// once.
func (h *Hasher) slots() int {
	return int(max(1, h.budget.KiB()/int64(h.p.MemoryKiB)))
}

// acquire takes the memory of one hash (memory parameter kib) from the
// budget, waiting at most hashWait.
func (h *Hasher) acquire(ctx context.Context, kib uint32) (func(), error) {
	wait, cancel := context.WithTimeout(ctx, hashWait)
	defer cancel()
	release, err := h.budget.Acquire(wait, kib)
	if err == nil {
		return release, nil
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	return nil, &errkind.RateLimited{RetryAfter: time.Second}
}

// Hash returns the PHC string of password under a fresh salt.
func (h *Hasher) Hash(ctx context.Context, password string) (string, error) {
	salt := make([]byte, 16)
	_, _ = rand.Read(salt)
	release, err := h.acquire(ctx, h.p.MemoryKiB)
	if err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(password), salt, h.p.Time, h.p.MemoryKiB, h.p.Threads, 32)
	release()
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version,
		h.p.MemoryKiB, h.p.Time, h.p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// Verify reports whether password matches the PHC string encoded (with the
// parameters stored in it). An empty encoded (no password set yet) is
// checked against a dummy hash and never matches, at the same cost.
func (h *Hasher) Verify(ctx context.Context, password, encoded string) (bool, error) {
	match := true
	if encoded == "" {
		encoded, match = h.dummy, false
	}
	var m, t uint32
	var p uint8
	var v int
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, errors.New("accounts: stored hash is not argon2id")
	}
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return false, errors.New("accounts: stored hash has an unknown version")
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false, errors.New("accounts: stored hash has bad parameters")
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	want, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false, errors.New("accounts: stored hash is damaged")
	}
	release, err := h.acquire(ctx, m)
	if err != nil {
		return false, err
	}
	got := argon2.IDKey([]byte(password), salt, t, m, p, uint32(len(want)))
	release()
	return match && subtle.ConstantTimeCompare(got, want) == 1, nil
}

// ValidatePassword checks a new password: 12 to 256 characters. Length is
// what counts (NIST SP 800-63B); no composition rules.
func ValidatePassword(field, pw string) error {
	n := utf8.RuneCountInString(pw)
	if !utf8.ValidString(pw) || n < 12 || n > 256 {
		return errkind.Invalid(field, "must be 12 to 256 characters")
	}
	return nil
}
