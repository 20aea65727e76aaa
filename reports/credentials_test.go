package reports

import (
	"context"
	"regexp"
	"testing"
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
	// log2(len(alphabet)^receiptChars) must be at least 64.
	bits := 0.0
	for n := len(alphabet); n > 1; n /= 2 {
		bits++
	}
	if got := float64(receiptChars) * bits; got < 64 {
		t.Errorf("receipt carries at least %.0f bits by this floor estimate, want ≥ 64", got)
	}
	if receiptBits < 64 {
		t.Errorf("receiptBits = %d, want ≥ 64", receiptBits)
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
	h := newHasher(Argon2Params{Time: 1, MemoryKiB: 64, Threads: 1})
	ctx := context.Background()
	rc, _ := newReceipt()
	stored, err := h.hash(ctx, rc)
	if err != nil {
		t.Fatal(err)
	}
	other, _ := newReceipt()
	for _, tt := range []struct {
		name    string
		receipt string
		stored  *receiptHash
		want    bool
	}{
		{"right receipt", rc, &stored, true},
		{"right receipt typed loosely", " " + rc[:4] + " " + rc[5:], &stored, true},
		{"wrong receipt", other, &stored, false},
		{"unknown reference", rc, nil, false},
		{"empty receipt, unknown reference", "", nil, false},
	} {
		got, err := h.verify(ctx, tt.receipt, tt.stored)
		if err != nil || got != tt.want {
			t.Errorf("%s: got %v, %v; want %v", tt.name, got, err, tt.want)
		}
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
