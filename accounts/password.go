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
)

// Argon2Params tune password hashing (see docs/accounts.md for the chosen
// defaults). MaxConcurrent bounds how many hashes run at once, so memory
// for hashing never exceeds MaxConcurrent × MemoryKiB however many logins
// arrive.
type Argon2Params struct {
	Time          uint32
	MemoryKiB     uint32
	Threads       uint8
	MaxConcurrent int
}

// hashWait is how long a login waits for a hashing slot before it is told
// to retry later (429) instead of queueing without end.
const hashWait = 5 * time.Second

// Hasher hashes and verifies passwords with Argon2id.
type Hasher struct {
	p     Argon2Params
	slots chan struct{}
	// dummy is verified against when the email is unknown, so that an
	// unknown address costs the same time as a wrong password.
	dummy string
}

// NewHasher returns a Hasher with parameters p, which must be sane.
func NewHasher(p Argon2Params) (*Hasher, error) {
	if p.Time < 1 || p.MemoryKiB < 8*1024 || p.Threads < 1 || p.MaxConcurrent < 1 {
		return nil, errors.New("accounts: ARGON2_*: need time ≥ 1, memory ≥ 8192 KiB, threads ≥ 1, max concurrent ≥ 1")
	}
	h := &Hasher{p: p, slots: make(chan struct{}, p.MaxConcurrent)}
	d, err := h.Hash(context.Background(), "dummy password for unknown accounts")
	if err != nil {
		return nil, err
	}
	h.dummy = d
	return h, nil
}

func (h *Hasher) acquire(ctx context.Context) error {
	t := time.NewTimer(hashWait)
	defer t.Stop()
	select {
	case h.slots <- struct{}{}:
		return nil
	case <-t.C:
		return &errkind.RateLimited{RetryAfter: time.Second}
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (h *Hasher) release() { <-h.slots }

// Hash returns the PHC string of password under a fresh salt.
func (h *Hasher) Hash(ctx context.Context, password string) (string, error) {
	salt := make([]byte, 16)
	_, _ = rand.Read(salt)
	if err := h.acquire(ctx); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(password), salt, h.p.Time, h.p.MemoryKiB, h.p.Threads, 32)
	h.release()
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
	if err := h.acquire(ctx); err != nil {
		return false, err
	}
	got := argon2.IDKey([]byte(password), salt, t, m, p, uint32(len(want)))
	h.release()
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
