package reports

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// alphabet is what references and receipts are written in: upper-case
// letters and digits without 0/O, 1/I/L and U/V look-alikes, so that a
// child can copy them by hand and read them out over the phone.
const alphabet = "23456789ABCDEFGHJKMNPQRSTWXYZ"

const (
	referencePrefix = "SS-"
	referenceChars  = 8 // 29^8 ≈ 5·10^11: not guessable in sequence, short to write down
	receiptChars    = 16
	// receiptBits is the entropy of a receipt: 16·log2(29) ≈ 77.7 bits, above
	// the 64 that a slow hash needs.
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

// Argon2Params sets the cost of receipt hashing. MaxConcurrent bounds how
// many hashes run at once, so that a burst of reports or guesses cannot
// exhaust memory.
type Argon2Params struct {
	Time          uint32
	MemoryKiB     uint32
	Threads       uint8
	MaxConcurrent int
}

// receiptHash is what is stored of a receipt: an Argon2id hash with its salt
// and parameters (so that parameters can change without breaking old cases).
type receiptHash struct {
	Hash      []byte `bson:"h"`
	Salt      []byte `bson:"s"`
	Time      uint32 `bson:"t"`
	MemoryKiB uint32 `bson:"m"`
	Threads   uint8  `bson:"p"`
}

// hasher computes receipt hashes with a concurrency limit.
type hasher struct {
	params Argon2Params
	sem    chan struct{}
	dummy  receiptHash
}

func newHasher(p Argon2Params) *hasher {
	if p.Time == 0 {
		p.Time = 2
	}
	if p.MemoryKiB == 0 {
		p.MemoryKiB = 19 * 1024
	}
	if p.Threads == 0 {
		p.Threads = 1
	}
	if p.MaxConcurrent <= 0 {
		p.MaxConcurrent = 4
	}
	h := &hasher{params: p, sem: make(chan struct{}, p.MaxConcurrent)}
	h.dummy = receiptHash{Hash: make([]byte, 32), Salt: make([]byte, 16), Time: p.Time, MemoryKiB: p.MemoryKiB, Threads: p.Threads}
	return h
}

func (h *hasher) compute(ctx context.Context, receipt string, salt []byte, t, m uint32, p uint8) ([]byte, error) {
	select {
	case h.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("reports: receipt hash: %w", ctx.Err())
	}
	defer func() { <-h.sem }()
	return argon2.IDKey([]byte(canonical(receipt)), salt, t, m, p, 32), nil
}

// hash returns a new salted hash of receipt.
func (h *hasher) hash(ctx context.Context, receipt string) (receiptHash, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return receiptHash{}, fmt.Errorf("reports: salt: %w", err)
	}
	p := h.params
	sum, err := h.compute(ctx, receipt, salt, p.Time, p.MemoryKiB, p.Threads)
	if err != nil {
		return receiptHash{}, err
	}
	return receiptHash{Hash: sum, Salt: salt, Time: p.Time, MemoryKiB: p.MemoryKiB, Threads: p.Threads}, nil
}

// verify reports whether receipt matches stored, comparing in constant time.
// A nil stored (unknown reference) hashes against a dummy, so that it costs
// the same as a wrong receipt and answers the same.
func (h *hasher) verify(ctx context.Context, receipt string, stored *receiptHash) (bool, error) {
	known := stored != nil
	if !known {
		stored = &h.dummy
	}
	sum, err := h.compute(ctx, receipt, stored.Salt, stored.Time, stored.MemoryKiB, stored.Threads)
	if err != nil {
		return false, err
	}
	return subtle.ConstantTimeCompare(sum, stored.Hash) == 1 && known, nil
}

// newID returns an opaque 128-bit identifier in hex.
func newID() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("reports: id: %w", err)
	}
	return hex.EncodeToString(b), nil
}
