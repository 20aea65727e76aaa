// Package fieldcrypt encrypts single fields of documents in the application
// before they reach MongoDB, so that the database alone reveals nothing of a
// report. Each value is sealed with AES-256-GCM under the newest data key,
// carries the id of that key (so keys can rotate: the first key encrypts,
// every key decrypts), and is bound to the id of its record and the name of
// its field: a ciphertext copied into another record or field fails to open.
package fieldcrypt

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// keyLen is the AES-256 key size in bytes.
const keyLen = 32

// ErrOpen is returned for any value that cannot be opened: tampered, moved to
// another record or field, or sealed under a key that is no longer
// configured. The causes are deliberately not told apart.
var ErrOpen = errors.New("fieldcrypt: cannot open value")

var kidPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,32}$`)

// Keys is a parsed DATA_KEYS set. It is safe for concurrent use.
type Keys struct {
	current string
	aeads   map[string]cipher.AEAD
}

// Parse reads a DATA_KEYS string: "kid:base64url(32 bytes)[,kid:...]". The
// first key encrypts; all of them decrypt. Malformed entries, short or long
// keys and duplicate ids are rejected with an error that names DATA_KEYS
// (and never the key material).
func Parse(s string) (*Keys, error) {
	list, err := ParseKeyList("DATA_KEYS", s)
	if err != nil {
		return nil, fmt.Errorf("fieldcrypt: %w", err)
	}
	k := &Keys{current: list.Current, aeads: make(map[string]cipher.AEAD, len(list.Keys))}
	for kid, key := range list.Keys {
		aead, err := newAEAD(key)
		if err != nil {
			return nil, fmt.Errorf("fieldcrypt: DATA_KEYS key %q: %w", kid, err)
		}
		k.aeads[kid] = aead
	}
	return k, nil
}

func decodeKey(raw string) ([]byte, error) {
	raw = strings.TrimRight(strings.TrimSpace(raw), "=")
	key, err := base64.RawURLEncoding.DecodeString(raw)
	if err != nil {
		return nil, errors.New("not base64url")
	}
	if len(key) != keyLen {
		return nil, fmt.Errorf("decodes to %d bytes, want %d", len(key), keyLen)
	}
	return key, nil
}

func newAEAD(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// CurrentKeyID is the id of the key that Seal uses.
func (k *Keys) CurrentKeyID() string { return k.current }

// Seal encrypts plaintext for field of record recordID under the current key.
// The result is "<kid>.<base64url(nonce|ciphertext|tag)>", safe to store as a
// string. A fresh random nonce is used for every call, so sealing the same
// value twice gives different results.
func (k *Keys) Seal(recordID, field string, plaintext []byte) (string, error) {
	aead := k.aeads[k.current]
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plaintext)+aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("fieldcrypt: nonce: %w", err)
	}
	out := aead.Seal(nonce, nonce, plaintext, additionalData(recordID, field))
	return k.current + "." + base64.RawURLEncoding.EncodeToString(out), nil
}

// SealString is Seal for a string value.
func (k *Keys) SealString(recordID, field, plaintext string) (string, error) {
	return k.Seal(recordID, field, []byte(plaintext))
}

// Open decrypts a value produced by Seal for the same record and field, with
// whichever configured key sealed it. Any failure is ErrOpen.
func (k *Keys) Open(recordID, field, sealed string) ([]byte, error) {
	kid, body, ok := strings.Cut(sealed, ".")
	if !ok {
		return nil, ErrOpen
	}
	aead, ok := k.aeads[kid]
	if !ok {
		return nil, ErrOpen
	}
	raw, err := base64.RawURLEncoding.DecodeString(body)
	if err != nil || len(raw) < aead.NonceSize()+aead.Overhead() {
		return nil, ErrOpen
	}
	nonce, ct := raw[:aead.NonceSize()], raw[aead.NonceSize():]
	pt, err := aead.Open(nil, nonce, ct, additionalData(recordID, field))
	if err != nil {
		return nil, ErrOpen
	}
	return pt, nil
}

// OpenString is Open for a string value.
func (k *Keys) OpenString(recordID, field, sealed string) (string, error) {
	pt, err := k.Open(recordID, field, sealed)
	return string(pt), err
}

// KeyID returns the id of the key that sealed value, so that a re-encryption
// job can find values still under an old key.
func KeyID(sealed string) string {
	kid, _, _ := strings.Cut(sealed, ".")
	return kid
}

// additionalData binds a value to its record and field. Both parts are
// length-prefixed so that ("ab","c") and ("a","bc") differ.
func additionalData(recordID, field string) []byte {
	ad := make([]byte, 0, 8+len(recordID)+len(field))
	ad = binary.BigEndian.AppendUint32(ad, uint32(len(recordID)))
	ad = append(ad, recordID...)
	ad = binary.BigEndian.AppendUint32(ad, uint32(len(field)))
	return append(ad, field...)
}

// NewKey returns a fresh DATA_KEYS entry "kid:base64url(32 random bytes)",
// for development key generation and tests.
func NewKey(kid string) (string, error) {
	if !kidPattern.MatchString(kid) {
		return "", fmt.Errorf("fieldcrypt: key id %q: want letters, digits, - or _", kid)
	}
	key := make([]byte, keyLen)
	if _, err := rand.Read(key); err != nil {
		return "", fmt.Errorf("fieldcrypt: new key: %w", err)
	}
	return kid + ":" + base64.RawURLEncoding.EncodeToString(key), nil
}

// Has reports whether kid is one of the configured keys.
func (k *Keys) Has(kid string) bool {
	_, ok := k.aeads[kid]
	return ok
}
