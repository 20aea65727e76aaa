package reports

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"fmt"

	"speaksafe/fieldcrypt"
	"speaksafe/hashbudget"
)

// receiptKeyLen is the length of a receipt key: 32 bytes, HMAC-SHA256's
// full strength.
const receiptKeyLen = 32

// Schemes of a stored receipt hash. Records from before keyed hashes carry
// no scheme: they hold an Argon2id hash and keep verifying until their case
// is deleted.
const (
	schemeArgon2id = ""
	schemeHMAC     = "hmac-sha256"
)

// ReceiptKeys are the HMAC-SHA256 keys receipts are hashed under, held
// outside the database (RECEIPT_KEYS). The first key hashes new receipts;
// every key verifies, so a key is rotated by putting a new one first and
// dropping the old one once no case hashed under it is kept.
type ReceiptKeys struct {
	current string
	keys    map[string][]byte
}

// ParseReceiptKeys reads "kid:base64url(32 bytes)[,kid:…]", the format of
// RECEIPT_KEYS.
func ParseReceiptKeys(s string) (*ReceiptKeys, error) {
	list, err := fieldcrypt.ParseKeyList("RECEIPT_KEYS", s)
	if err != nil {
		return nil, fmt.Errorf("reports: %w", err)
	}
	return &ReceiptKeys{current: list.Current, keys: list.Keys}, nil
}

// ephemeralReceiptKeys are a random key for a store built without keys:
// receipts it issues open cases only in this process. The server always
// passes RECEIPT_KEYS.
func ephemeralReceiptKeys() *ReceiptKeys {
	return &ReceiptKeys{current: "ephemeral", keys: map[string][]byte{"ephemeral": randomKey()}}
}

func randomKey() []byte {
	key := make([]byte, receiptKeyLen)
	if _, err := rand.Read(key); err != nil {
		panic("reports: crypto/rand failed: " + err.Error())
	}
	return key
}

// receiptMAC is the HMAC-SHA256 of receipt bound to its reference: the
// same receipt hash copied to another reference does not verify there.
func receiptMAC(key []byte, reference, receipt string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte("speaksafe/reports/receipt/v1\x00"))
	h.Write([]byte(reference))
	h.Write([]byte{0})
	h.Write([]byte(canonical(receipt)))
	return h.Sum(nil)
}

// receipts hashes new receipts under the current key and verifies stored
// hashes of either scheme.
type receipts struct {
	keys   *ReceiptKeys
	legacy *hasher
	// dummy is the key an unknown reference (or an unknown key id) is
	// hashed under, so that it costs what a wrong receipt costs.
	dummy []byte
}

func newReceipts(keys *ReceiptKeys, legacy Argon2Params, budget *hashbudget.Budget) *receipts {
	if keys == nil {
		keys = ephemeralReceiptKeys()
	}
	return &receipts{keys: keys, legacy: newHasher(legacy, budget), dummy: randomKey()}
}

// hash returns the stored form of receipt for reference.
func (r *receipts) hash(reference, receipt string) receiptHash {
	kid := r.keys.current
	return receiptHash{Scheme: schemeHMAC, KeyID: kid, Hash: receiptMAC(r.keys.keys[kid], reference, receipt)}
}

// verify reports whether receipt matches stored for reference, comparing
// in constant time. A nil stored (unknown reference), an unknown scheme or
// key id hash against a dummy key, so they cost and answer the same as a
// wrong receipt. Hashes from before keyed hashes verify by Argon2id.
func (r *receipts) verify(ctx context.Context, reference, receipt string, stored *receiptHash) (bool, error) {
	if stored != nil && stored.Scheme == schemeArgon2id {
		return r.legacy.verify(ctx, receipt, stored)
	}
	key, want, known := r.dummy, []byte(nil), false
	if stored != nil && stored.Scheme == schemeHMAC {
		if k, ok := r.keys.keys[stored.KeyID]; ok {
			key, want, known = k, stored.Hash, true
		}
	}
	sum := receiptMAC(key, reference, receipt)
	return hmac.Equal(sum, want) && known, nil
}

// knowsKey reports whether stored was hashed under a key this instance
// holds (Argon2id hashes need none).
func (r *receipts) knowsKey(stored *receiptHash) bool {
	if stored.Scheme == schemeArgon2id {
		return true
	}
	_, ok := r.keys.keys[stored.KeyID]
	return stored.Scheme == schemeHMAC && ok
}
