package reports

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"

	"speaksafe/hashbudget"
)

// alphabet is what references and receipts are written in: upper-case
// letters and digits without 0/O, 1/I/L and U/V look-alikes, so that a
// child can copy them by hand and read them out over the phone.
const alphabet = "23456789ABCDEFGHJKMNPQRSTWXYZ"

const (
	referencePrefix = "SS-"
	referenceChars  = 8 // 29^8 ≈ 5·10^11: not guessable in sequence, short to write down
	receiptChars    = 16
	// receiptBits is the entropy of a receipt: 16·log2(29) ≈ 77.7 bits, at
	// least the 75 that let a fast keyed hash stand without a slow one:
	// even with the key and the database, guessing costs 2^75 HMACs.
	receiptBits = 77
)

// randomChars returns n characters drawn uniformly from alphabet with
// crypto/rand (rejection sampling, so no character is more likely).
func randomChars(n int) (string, error) {
	const limit = 256 - 256%len(alphabet)
	out := make([]byte, 0, n)
	buf := make([]byte, n+8)
	for len(out) < n {
		if _, err := rand.Read(buf); err != nil {
			return "", fmt.Errorf("reports: random: %w", err)
		}
		for _, b := range buf {
			if int(b) < limit && len(out) < n {
				out = append(out, alphabet[int(b)%len(alphabet)])
			}
		}
	}
	return string(out), nil
}

// group inserts a dash every four characters: "ABCD-EFGH".
func group(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i += 4 {
		if i > 0 {
			b.WriteByte('-')
		}
		b.WriteString(s[i:min(i+4, len(s))])
	}
	return b.String()
}

// newReference returns a fresh case reference such as "SS-7KQ2-MX9D".
func newReference() (string, error) {
	s, err := randomChars(referenceChars)
	if err != nil {
		return "", err
	}
	return referencePrefix + group(s), nil
}

// newReceipt returns a fresh receipt such as "7KQ2-MX9D-P4HT-W3RA".
func newReceipt() (string, error) {
	s, err := randomChars(receiptChars)
	if err != nil {
		return "", err
	}
	return group(s), nil
}

// canonical upper-cases s and drops spaces and dashes, so that "ss 7kq2
// mx9d" and "SS-7KQ2-MX9D" are the same.
func canonical(s string) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		if r != ' ' && r != '-' && r != '\t' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func inAlphabet(s string) bool {
	for _, r := range s {
		if !strings.ContainsRune(alphabet, r) {
			return false
		}
	}
	return true
}

// ParseReference returns the canonical form of a reference the child typed,
// and false when it cannot be one.
func ParseReference(s string) (string, bool) {
	c := canonical(s)
	body, ok := strings.CutPrefix(c, "SS")
	if !ok || len(body) != referenceChars || !inAlphabet(body) {
		return "", false
	}
	return referencePrefix + group(body), true
}

// ParseReceipt returns the canonical form of a receipt the child typed, and
// false when it cannot be one.
func ParseReceipt(s string) (string, bool) {
	c := canonical(s)
	if len(c) != receiptChars || !inAlphabet(c) {
		return "", false
	}
	return group(c), true
}

// Argon2Params are the concurrency limit under which receipt hashes from
// before keyed hashes are verified (each stored hash carries its own
// parameters). MaxConcurrent bounds how many run at once, so that a burst
// of guesses cannot exhaust memory.
type Argon2Params struct {
	Time          uint32
	MemoryKiB     uint32
	Threads       uint8
	MaxConcurrent int
}

// receiptHash is what is stored of a receipt. New receipts: Scheme
// "hmac-sha256", the id of the key and the HMAC of reference and receipt
// (see receiptkeys.go). Records from before carry no scheme: an Argon2id
// hash with its salt and parameters.
type receiptHash struct {
	Scheme    string `bson:"alg,omitempty"`
	KeyID     string `bson:"kid,omitempty"`
	Hash      []byte `bson:"h"`
	Salt      []byte `bson:"s,omitempty"`
	Time      uint32 `bson:"t,omitempty"`
	MemoryKiB uint32 `bson:"m,omitempty"`
	Threads   uint8  `bson:"p,omitempty"`
}

// hasher verifies Argon2id receipt hashes, each first taking its memory
// from a budget shared with every other Argon2 user of the process.
type hasher struct {
	budget *hashbudget.Budget
}

// newHasher uses budget, or without one a budget of its own of
// MaxConcurrent (at least 4) hashes of p's memory (at least 19 MiB).
func newHasher(p Argon2Params, budget *hashbudget.Budget) *hasher {
	if budget == nil {
		n := int64(max(p.MaxConcurrent, 4)) * int64(max(p.MemoryKiB, 19*1024))
		budget, _ = hashbudget.New(n) // n > 0
	}
	return &hasher{budget: budget}
}

func (h *hasher) compute(ctx context.Context, receipt string, salt []byte, t, m uint32, p uint8) ([]byte, error) {
	release, err := h.budget.Acquire(ctx, m)
	if err != nil {
		return nil, fmt.Errorf("reports: receipt hash: %w", err)
	}
	defer release()
	return argon2.IDKey([]byte(canonical(receipt)), salt, t, m, p, 32), nil
}

// verify reports whether receipt matches the Argon2id hash stored,
// comparing in constant time.
func (h *hasher) verify(ctx context.Context, receipt string, stored *receiptHash) (bool, error) {
	if stored.Time < 1 || stored.Threads < 1 || stored.MemoryKiB < 8*uint32(stored.Threads) {
		return false, nil // damaged: argon2 would panic on these
	}
	sum, err := h.compute(ctx, receipt, stored.Salt, stored.Time, stored.MemoryKiB, stored.Threads)
	if err != nil {
		return false, err
	}
	return subtle.ConstantTimeCompare(sum, stored.Hash) == 1, nil
}
