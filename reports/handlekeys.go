package reports

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"speaksafe/fieldcrypt"
)

// HandleKeys hold the HMAC-SHA256 key that handles are hashed under for
// matching (HANDLE_KEYS), outside the database: the database alone cannot
// tell which handle a hash stands for, even by trying likely handles. Only
// the first key is used; a new first key re-hashes every stored handle
// (the backfill at start) from its sealed value.
type HandleKeys struct {
	kid string
	key []byte
}

// ParseHandleKeys reads "kid:base64url(32 bytes)[,kid:…]", the format of
// HANDLE_KEYS; the first key hashes.
func ParseHandleKeys(s string) (*HandleKeys, error) {
	list, err := fieldcrypt.ParseKeyList("HANDLE_KEYS", s)
	if err != nil {
		return nil, fmt.Errorf("reports: %w", err)
	}
	return &HandleKeys{kid: list.Current, key: list.Keys[list.Current]}, nil
}

// handleKeysFrom derives the handle key from the current receipt key when
// HANDLE_KEYS is not set: both are held outside the database, and the
// derivation keeps the two uses apart. Rotating RECEIPT_KEYS then
// re-hashes the handles at the next start.
func handleKeysFrom(r *ReceiptKeys) *HandleKeys {
	m := hmac.New(sha256.New, r.keys[r.current])
	m.Write([]byte("speaksafe/reports/handle-key/v1"))
	return &HandleKeys{kid: "receipt-" + r.current, key: m.Sum(nil)}
}

// hash returns the keyed hash, in hex, of a handle on a platform, both
// normalised (handlenorm.go).
func (k *HandleKeys) hash(platform, handle string) string {
	m := hmac.New(sha256.New, k.key)
	m.Write([]byte("speaksafe/reports/handle/v1\x00"))
	m.Write([]byte(NormalizePlatform(platform)))
	m.Write([]byte{0})
	m.Write([]byte(NormalizeHandle(handle)))
	return hex.EncodeToString(m.Sum(nil))
}

// hashes returns the distinct hashes of hs, in order; handles that
// normalise to nothing are left out.
func (k *HandleKeys) hashes(hs []Handle) []string {
	var out []string
	seen := map[string]bool{}
	for _, h := range hs {
		if NormalizeHandle(h.Handle) == "" {
			continue
		}
		x := k.hash(h.Platform, h.Handle)
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}
