package fieldcrypt

import (
	"fmt"
	"strings"
)

// KeyList is a parsed key setting of the form "kid:base64url(32 bytes)[,kid:…]"
// (DATA_KEYS, AUDIT_KEYS, RECEIPT_KEYS): every key by its id, and the id of
// the first, which is the one new values use. Every key verifies or opens, so
// a key rotates by putting a new one first.
type KeyList struct {
	Current string
	Keys    map[string][]byte
}

// ParseKeyList reads setting s, the value of the variable named setting.
// Malformed entries, keys that are not 32 bytes and duplicate ids are refused
// with an error that names the variable and never the key material.
func ParseKeyList(setting, s string) (KeyList, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return KeyList{}, fmt.Errorf("%s is empty; want kid:base64url(32 bytes)[,kid:...]", setting)
	}
	l := KeyList{Keys: map[string][]byte{}}
	for i, entry := range strings.Split(s, ",") {
		kid, raw, ok := strings.Cut(strings.TrimSpace(entry), ":")
		if !ok || !kidPattern.MatchString(kid) {
			return KeyList{}, fmt.Errorf("%s entry %d: want kid:base64url(32 bytes), kid of letters, digits, - or _", setting, i+1)
		}
		if _, dup := l.Keys[kid]; dup {
			return KeyList{}, fmt.Errorf("%s: key id %q appears twice", setting, kid)
		}
		key, err := decodeKey(raw)
		if err != nil {
			return KeyList{}, fmt.Errorf("%s key %q: %w", setting, kid, err)
		}
		l.Keys[kid] = key
		if i == 0 {
			l.Current = kid
		}
	}
	return l, nil
}
