package reports

import (
	"crypto/ed25519"
	"crypto/hkdf"
	"crypto/sha256"
	"fmt"
	"sort"

	"speaksafe/fieldcrypt"
)

// ExportKeys sign case export bundles with Ed25519, so that a force's
// records system can check a bundle with the public key alone. They are
// held outside the database: EXPORT_KEYS ("kid:base64url(32-byte Ed25519
// seed)[,kid:…]"; the first signs, all verify), or, when it is not set,
// derived from AUDIT_KEYS under a purpose of their own (HKDF-SHA256), with
// key ids "audit-<kid>".
type ExportKeys struct {
	current string
	keys    map[string]ed25519.PrivateKey
}

// exportKeyPurpose separates keys derived from AUDIT_KEYS from the audit
// chain's own use of them.
const exportKeyPurpose = "speaksafe case export signing key v1"

// ParseExportKeys reads EXPORT_KEYS, or derives the keys from AUDIT_KEYS
// when exportKeys is empty.
func ParseExportKeys(exportKeys, auditKeys string) (*ExportKeys, error) {
	if exportKeys != "" {
		list, err := fieldcrypt.ParseKeyList("EXPORT_KEYS", exportKeys)
		if err != nil {
			return nil, fmt.Errorf("reports: %w", err)
		}
		k := &ExportKeys{current: list.Current, keys: map[string]ed25519.PrivateKey{}}
		for kid, seed := range list.Keys {
			k.keys[kid] = ed25519.NewKeyFromSeed(seed)
		}
		return k, nil
	}
	list, err := fieldcrypt.ParseKeyList("AUDIT_KEYS", auditKeys)
	if err != nil {
		return nil, fmt.Errorf("reports: export keys from %w", err)
	}
	k := &ExportKeys{current: "audit-" + list.Current, keys: map[string]ed25519.PrivateKey{}}
	for kid, secret := range list.Keys {
		seed, err := hkdf.Key(sha256.New, secret, nil, exportKeyPurpose, ed25519.SeedSize)
		if err != nil {
			return nil, fmt.Errorf("reports: derive export key: %w", err)
		}
		k.keys["audit-"+kid] = ed25519.NewKeyFromSeed(seed)
	}
	return k, nil
}

// PublicKeys returns the public key of every export key by key id, sorted
// by id, for handing to the records system that checks bundles.
func (k *ExportKeys) PublicKeys() []ExportPublicKey {
	out := make([]ExportPublicKey, 0, len(k.keys))
	for kid, priv := range k.keys {
		out = append(out, ExportPublicKey{Kid: kid, Key: priv.Public().(ed25519.PublicKey)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Kid < out[j].Kid })
	return out
}

// ExportPublicKey is one verification key of export bundles.
type ExportPublicKey struct {
	Kid string
	Key ed25519.PublicKey
}

func (k *ExportKeys) sign(msg []byte) (kid string, sig []byte) {
	return k.current, ed25519.Sign(k.keys[k.current], msg)
}

func (k *ExportKeys) verify(kid string, msg, sig []byte) bool {
	priv, ok := k.keys[kid]
	return ok && ed25519.Verify(priv.Public().(ed25519.PublicKey), msg, sig)
}
