package accounts

import (
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// SigningKeys are the Ed25519 keys of access tokens: the first signs, all
// verify, so a new key can be put first while tokens signed by the old one
// live out their fifteen minutes.
type SigningKeys struct {
	current string
	private ed25519.PrivateKey
	public  map[string]ed25519.PublicKey
}

var kidPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,32}$`)

// ParseSigningKeys reads a JWT_SIGNING_KEY string:
// "kid:base64url(32-byte Ed25519 seed)[,kid:...]". Malformed entries, seeds
// of the wrong length, seeds with too little variety to be random, and
// duplicate key ids are rejected with an error naming JWT_SIGNING_KEY (never
// the key material).
func ParseSigningKeys(s string) (*SigningKeys, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, errors.New("accounts: JWT_SIGNING_KEY is empty; want kid:base64url(32-byte Ed25519 seed)[,kid:...]")
	}
	k := &SigningKeys{public: map[string]ed25519.PublicKey{}}
	for i, entry := range strings.Split(s, ",") {
		kid, raw, ok := strings.Cut(strings.TrimSpace(entry), ":")
		if !ok || !kidPattern.MatchString(kid) {
			return nil, fmt.Errorf("accounts: JWT_SIGNING_KEY entry %d: want kid:base64url(32-byte seed), kid of 1-32 letters, digits, - or _", i+1)
		}
		if _, dup := k.public[kid]; dup {
			return nil, fmt.Errorf("accounts: JWT_SIGNING_KEY: key id %q appears twice", kid)
		}
		seed, err := decodeSeed(raw)
		if err != nil {
			return nil, fmt.Errorf("accounts: JWT_SIGNING_KEY key %q: %w", kid, err)
		}
		priv := ed25519.NewKeyFromSeed(seed)
		k.public[kid] = priv.Public().(ed25519.PublicKey)
		if i == 0 {
			k.current, k.private = kid, priv
		}
	}
	return k, nil
}

func decodeSeed(raw string) ([]byte, error) {
	raw = strings.TrimRight(strings.TrimSpace(raw), "=")
	seed, err := base64.RawURLEncoding.DecodeString(raw)
	if err != nil {
		return nil, errors.New("not base64url")
	}
	if len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("seed is %d bytes, want %d", len(seed), ed25519.SeedSize)
	}
	if weak(seed) {
		return nil, errors.New("seed is not random (too few distinct bytes)")
	}
	return seed, nil
}

// weak catches placeholder seeds (all zeros, "aaaa…", a short repeated
// pattern): 32 random bytes have about 28 distinct values, never under 12
// in practice.
func weak(b []byte) bool {
	seen := map[byte]bool{}
	for _, x := range b {
		seen[x] = true
	}
	return len(seen) < 12
}

// CurrentKeyID is the id of the signing key.
func (k *SigningKeys) CurrentKeyID() string { return k.current }

// PublicKey returns the verification key named kid, if configured.
func (k *SigningKeys) PublicKey(kid string) (ed25519.PublicKey, bool) {
	p, ok := k.public[kid]
	return p, ok
}
