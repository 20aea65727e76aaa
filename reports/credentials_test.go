package reports

import (
	"context"
	"math"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/crypto/argon2"
)

func TestReferenceAndReceiptFormat(t *testing.T) {
	t.Parallel()
	refPattern := regexp.MustCompile(`^SS-[` + alphabet + `]{4}-[` + alphabet + `]{4}$`)
	rcPattern := regexp.MustCompile(`^[` + alphabet + `]{4}(-[` + alphabet + `]{4}){3}$`)
	seen := map[string]bool{}
	for range 1000 {
		ref, err := newReference()
		if err != nil {
			t.Fatal(err)
		}
		rc, err := newReceipt()
		if err != nil {
			t.Fatal(err)
		}
		if !refPattern.MatchString(ref) {
			t.Fatalf("reference %q: want SS-XXXX-XXXX from the unambiguous alphabet", ref)
		}
		if !rcPattern.MatchString(rc) {
			t.Fatalf("receipt %q: want XXXX-XXXX-XXXX-XXXX", rc)
		}
		if seen[ref] || seen[rc] {
			t.Fatalf("repeat after %d draws", len(seen))
		}
		seen[ref], seen[rc] = true, true
	}
}

func TestReceiptEntropy(t *testing.T) {
	t.Parallel()
	// SECURITY 15: at least 75 bits, so that a fast keyed hash suffices.
	if got := float64(receiptChars) * math.Log2(float64(len(alphabet))); got < 75 || float64(receiptBits) > got {
		t.Errorf("receipt carries %.1f bits (receiptBits %d), want ≥ 75", got, receiptBits)
	}
	if receiptBits < 75 {
		t.Errorf("receiptBits = %d, want ≥ 75", receiptBits)
	}
}

func TestParseTypedCredentials(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"SS-7KQ2-MX9D", "SS-7KQ2-MX9D", true},
		{"ss 7kq2 mx9d", "SS-7KQ2-MX9D", true},
		{"SS7KQ2MX9D", "SS-7KQ2-MX9D", true},
		{"SS-7KQ2-MX9", "", false},
		{"SS-7KQ2-MX9O", "", false}, // O is not in the alphabet
		{"XX-7KQ2-MX9D", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		got, ok := ParseReference(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ParseReference(%q): got %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
	if got, ok := ParseReceipt("7kq2 mx9d p4ht w3ra"); !ok || got != "7KQ2-MX9D-P4HT-W3RA" {
		t.Errorf("ParseReceipt: got %q, %v; want 7KQ2-MX9D-P4HT-W3RA, true", got, ok)
	}
}

func TestReceiptHashVerify(t *testing.T) {
	t.Parallel()
	keys, err := ParseReceiptKeys("k1:" + strings.Repeat("A", 43))
	if err != nil {
		t.Fatal(err)
	}
	r := newReceipts(keys, Argon2Params{}, nil)
	ctx := context.Background()
	const ref = "SS-7KQ2-MX9D"
	rc, _ := newReceipt()
	stored := r.hash(ref, rc)
	salt := make([]byte, 16)
	legacy := receiptHash{Hash: argon2.IDKey([]byte(canonical(rc)), salt, 1, 64, 1, 32), Salt: salt, Time: 1, MemoryKiB: 64, Threads: 1}
	unknownKid := stored
	unknownKid.KeyID = "k2"
	unknownScheme := stored
	unknownScheme.Scheme = "sha1"
	other, _ := newReceipt()
	for _, tt := range []struct {
		name    string
		ref     string
		receipt string
		stored  *receiptHash
		want    bool
	}{
		{"right receipt", ref, rc, &stored, true},
		{"right receipt typed loosely", ref, " " + strings.ToLower(rc[:4]) + " " + rc[5:], &stored, true},
		{"wrong receipt", ref, other, &stored, false},
		{"other reference", "SS-7KQ2-MX9E", rc, &stored, false},
		{"unknown key id", ref, rc, &unknownKid, false},
		{"unknown scheme", ref, rc, &unknownScheme, false},
		{"unknown reference", ref, rc, nil, false},
		{"empty receipt, unknown reference", "", "", nil, false},
		{"Argon2id record, right receipt", ref, rc, &legacy, true},
		{"Argon2id record, wrong receipt", ref, other, &legacy, false},
	} {
		got, err := r.verify(ctx, tt.ref, tt.receipt, tt.stored)
		if err != nil || got != tt.want {
			t.Errorf("%s: got %v, %v; want %v", tt.name, got, err, tt.want)
		}
	}
}

func TestParseReceiptKeys(t *testing.T) {
	t.Parallel()
	good := strings.Repeat("A", 43)
	for in, want := range map[string]string{
		"":                           "empty",
		"k1:c2hvcnQ":                 `key "k1": decodes to 5 bytes`,
		"nokid":                      "entry 1",
		"k1:" + good + ",k1:" + good: "appears twice",
		"k1:" + good + ",k2:***":     `key "k2": not base64url`,
	} {
		if _, err := ParseReceiptKeys(in); err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "RECEIPT_KEYS") {
			t.Errorf("ParseReceiptKeys(%q): got %v, want an error naming RECEIPT_KEYS and %q", in, err, want)
		}
	}
	k, err := ParseReceiptKeys("k2:" + good + ", k1:" + good + "=")
	if err != nil || k.current != "k2" || len(k.keys) != 2 {
		t.Errorf("two keys: got %+v, %v; want k2 current of 2", k, err)
	}
}

func FuzzParseCredentials(f *testing.F) {
	f.Add("SS-7KQ2-MX9D", "7KQ2-MX9D-P4HT-W3RA")
	f.Fuzz(func(t *testing.T, ref, rc string) {
		if r, ok := ParseReference(ref); ok {
			if again, ok2 := ParseReference(r); !ok2 || again != r {
				t.Fatalf("canonical reference %q does not parse to itself", r)
			}
		}
		_, _ = ParseReceipt(rc)
	})
}
