package audit

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// keyLen is the length of an audit key: 32 bytes, the HMAC-SHA256 block
// strength.
const keyLen = 32

var kidPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,32}$`)

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
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, errors.New("audit: AUDIT_KEYS is empty; want kid:base64url(32 bytes)[,kid:...]")
	}
	k := &Keys{keys: map[string][]byte{}}
	for i, entry := range strings.Split(s, ",") {
		kid, raw, ok := strings.Cut(strings.TrimSpace(entry), ":")
		if !ok || !kidPattern.MatchString(kid) {
			return nil, fmt.Errorf("audit: AUDIT_KEYS entry %d: want kid:base64url(32 bytes), kid of letters, digits, - or _", i+1)
		}
		if _, dup := k.keys[kid]; dup {
			return nil, fmt.Errorf("audit: AUDIT_KEYS: key id %q appears twice", kid)
		}
		key, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(strings.TrimSpace(raw), "="))
		if err != nil {
			return nil, fmt.Errorf("audit: AUDIT_KEYS key %q: not base64url", kid)
		}
		if len(key) != keyLen {
			return nil, fmt.Errorf("audit: AUDIT_KEYS key %q: decodes to %d bytes, want %d", kid, len(key), keyLen)
		}
		k.keys[kid] = key
		if i == 0 {
			k.current = kid
		}
	}
	return k, nil
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
