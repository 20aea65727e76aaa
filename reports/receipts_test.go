package reports

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
	"golang.org/x/crypto/argon2"

	"speaksafe/errkind"
)

// receiptKey returns a RECEIPT_KEYS entry kid:base64url(key) and the key.
func receiptKey(t *testing.T, kid string) (string, []byte) {
	t.Helper()
	key := randomKey()
	return kid + ":" + base64.RawURLEncoding.EncodeToString(key), key
}

// storeWithReceiptKeys returns another instance over e's database hashing
// receipts under keys (RECEIPT_KEYS syntax).
func storeWithReceiptKeys(t *testing.T, e *env, keys string) *Store {
	t.Helper()
	rk, err := ParseReceiptKeys(keys)
	if err != nil {
		t.Fatal(err)
	}
	st, err := NewStore(e.db, Config{
		Keys: e.keys, ReceiptKeys: rk, Argon2: Argon2Params{MaxConcurrent: 2},
		Alerter: e.alerter, Forces: fakeForces{"AB": forceA, "CD": forceB}, Audit: e.audit, Limiter: e.limiter,
		Handlers: fakeHandlers{"officer-a": forceA}, Now: e.clock.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func submitTo(t *testing.T, st *Store, r Report) Submission {
	t.Helper()
	sub, err := st.Submit(context.Background(), newKey(), r)
	if err != nil {
		t.Fatal(err)
	}
	return sub
}

// rawReceipt returns the stored receipt field of reference as the store
// holds it.
func rawReceipt(t *testing.T, e *env, reference string) bson.M {
	t.Helper()
	var doc struct {
		Receipt bson.M `bson:"receipt"`
	}
	if err := e.db.Collection(collRefs).FindOne(context.Background(), bson.D{{Key: "_id", Value: reference}}).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	if doc.Receipt == nil {
		t.Fatalf("reference document %s has no receipt", reference)
	}
	rc := doc.Receipt
	return rc
}

func setRawReceipt(t *testing.T, e *env, reference string, receipt any) {
	t.Helper()
	_, err := e.db.Collection(collRefs).UpdateOne(context.Background(), bson.D{{Key: "_id", Value: reference}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "receipt", Value: receipt}}}})
	if err != nil {
		t.Fatal(err)
	}
}

func wantOpens(t *testing.T, st *Store, reference, receipt, what string) {
	t.Helper()
	if _, err := st.OpenSession(context.Background(), reference, receipt, ""); err != nil {
		t.Errorf("%s: got %v, want a session", what, err)
	}
}

func wantRefused(t *testing.T, st *Store, reference, receipt, what string) {
	t.Helper()
	_, err := st.OpenSession(context.Background(), reference, receipt, "")
	if !errors.Is(err, errkind.Unauthorized) || err.Error() != errBadCredentials.Error() {
		t.Errorf("%s: got %v, want the one answer for bad credentials", what, err)
	}
}

// Item 15: a new receipt is stored only as HMAC-SHA256 under the first
// RECEIPT_KEYS key, with its key id, bound to its reference; nothing of
// the receipt itself is kept, and the receipt opens the case.
func TestSecurity15NewReceiptIsStoredAsAKeyedHash(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	first, key := receiptKey(t, "r2")
	second, _ := receiptKey(t, "r1")
	st := storeWithReceiptKeys(t, e, first+","+second)
	sub := submitTo(t, st, routine("keyed receipt"))

	raw := rawReceipt(t, e, sub.Reference)
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte("speaksafe/reports/receipt/v1\x00" + sub.Reference + "\x00" + strings.ReplaceAll(sub.Receipt, "-", "")))
	want := mac.Sum(nil)
	got, _ := raw["h"].(bson.Binary)
	if raw["alg"] != "hmac-sha256" || raw["kid"] != "r2" || !hmac.Equal(got.Data, want) {
		t.Errorf("stored receipt: got %v, want alg hmac-sha256, kid r2 and the HMAC of reference and receipt", raw)
	}
	for _, f := range []string{"s", "t", "m", "p"} {
		if _, ok := raw[f]; ok {
			t.Errorf("stored receipt has Argon2id field %q: %v", f, raw)
		}
	}
	var doc bson.Raw
	if err := e.db.Collection(collRefs).FindOne(context.Background(), bson.D{{Key: "_id", Value: sub.Reference}}).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	plain := strings.ReplaceAll(sub.Receipt, "-", "")
	if s := doc.String(); strings.Contains(s, sub.Receipt) || strings.Contains(s, plain) {
		t.Errorf("reference document holds the receipt: %s", s)
	}
	wantOpens(t, st, sub.Reference, sub.Receipt, "new receipt")
	wantRefused(t, st, sub.Reference, otherReceipt(t, sub.Receipt), "wrong receipt")
}

func otherReceipt(t *testing.T, not string) string {
	t.Helper()
	for {
		rc, err := newReceipt()
		if err != nil {
			t.Fatal(err)
		}
		if rc != not {
			return rc
		}
	}
}

// Item 15: a case whose receipt was stored as an Argon2id hash before keyed
// hashes keeps opening with its receipt (and only with it).
func TestSecurity15OldArgon2idReceiptStillOpens(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	k, _ := receiptKey(t, "r1")
	st := storeWithReceiptKeys(t, e, k)
	sub := submitTo(t, st, routine("reported before keyed receipts"))
	salt := randomKey()[:16]
	// The document as the store wrote it before: no scheme, no key id.
	setRawReceipt(t, e, sub.Reference, bson.D{
		{Key: "h", Value: argon2.IDKey([]byte(strings.ReplaceAll(sub.Receipt, "-", "")), salt, 1, 64, 1, 32)},
		{Key: "s", Value: salt}, {Key: "t", Value: int64(1)}, {Key: "m", Value: int64(64)}, {Key: "p", Value: int32(1)},
	})
	wantOpens(t, st, sub.Reference, strings.ToLower(sub.Receipt), "receipt of an Argon2id record")
	wantRefused(t, st, sub.Reference, otherReceipt(t, sub.Receipt), "wrong receipt for an Argon2id record")
}

// Item 15: rotation. With a new key put first, receipts hashed under the
// old one still open their cases and new ones use the new key; once the
// old key is dropped, its receipts no longer open.
func TestSecurity15ReceiptKeyRotation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	oldKey, _ := receiptKey(t, "old")
	newKey, _ := receiptKey(t, "new")
	before := submitTo(t, storeWithReceiptKeys(t, e, oldKey), routine("before rotation"))

	rotated := storeWithReceiptKeys(t, e, newKey+","+oldKey)
	wantOpens(t, rotated, before.Reference, before.Receipt, "receipt under the old key after rotation")
	after := submitTo(t, rotated, routine("after rotation"))
	if kid := rawReceipt(t, e, after.Reference)["kid"]; kid != "new" {
		t.Errorf("key id of a receipt after rotation: got %v, want new", kid)
	}
	wantOpens(t, rotated, after.Reference, after.Receipt, "receipt under the new key")

	retired := storeWithReceiptKeys(t, e, newKey)
	wantRefused(t, retired, before.Reference, before.Receipt, "receipt under a dropped key")
	wantOpens(t, retired, after.Reference, after.Receipt, "receipt under the remaining key")
}

// Item 15: the reference is part of what is hashed, so a receipt hash
// copied onto another case's reference does not open that case.
func TestSecurity15ReceiptHashMovedToAnotherReferenceDoesNotVerify(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	k, _ := receiptKey(t, "r1")
	st := storeWithReceiptKeys(t, e, k)
	mine := submitTo(t, st, routine("mine"))
	theirs := submitTo(t, st, routine("theirs"))
	setRawReceipt(t, e, theirs.Reference, rawReceipt(t, e, mine.Reference))
	wantRefused(t, st, theirs.Reference, mine.Receipt, "my receipt against their reference with my hash")
	wantOpens(t, st, mine.Reference, mine.Receipt, "my receipt against my reference")
}
