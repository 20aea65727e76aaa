package audit

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"speaksafe/fieldcrypt"
)

// keyLen is the length of an audit key: 32 bytes, the HMAC-SHA256 block
// strength.
const keyLen = 32

// Keys are the HMAC-SHA256 keys of the chain, held outside the database
// (AUDIT_KEYS). The first key signs new entries and checkpoints; every key
// verifies, so a key can be rotated by putting a new one first.
type Keys struct {
	current string
	keys    map[string][]byte
}

// ParseKeys reads "kid:base64url(32 bytes)[,kid:…]", the format of
// AUDIT_KEYS.
func ParseKeys(s string) (*Keys, error) {
	list, err := fieldcrypt.ParseKeyList("AUDIT_KEYS", s)
	if err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	return &Keys{current: list.Current, keys: list.Keys}, nil
}

// ephemeralKeys are a random key for a Log built without keys: what it
// writes verifies only in this process. Production always passes AUDIT_KEYS.
func ephemeralKeys() *Keys {
	key := make([]byte, keyLen)
	if _, err := rand.Read(key); err != nil {
		panic("audit: crypto/rand failed: " + err.Error())
	}
	return &Keys{current: "ephemeral", keys: map[string][]byte{"ephemeral": key}}
}

// mac is the hex HMAC-SHA256 of msg under key kid; ok is false when the
// key is unknown.
func (k *Keys) mac(kid string, msg []byte) (sum string, ok bool) {
	key, ok := k.keys[kid]
	if !ok {
		return "", false
	}
	h := hmac.New(sha256.New, key)
	h.Write(msg)
	return hex.EncodeToString(h.Sum(nil)), true
}

// valid reports whether sum is the MAC of msg under key kid.
func (k *Keys) valid(kid string, msg []byte, sum string) bool {
	want, ok := k.mac(kid, msg)
	return ok && hmac.Equal([]byte(want), []byte(sum))
}
