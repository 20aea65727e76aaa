package accounts

import (
	"crypto/rand"
	"encoding/base64"
	"strings"
	"testing"
)

func seed(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func randomSeed() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return seed(b)
}

func TestParseSigningKeys(t *testing.T) {
	t.Parallel()
	good, other := randomSeed(), randomSeed()
	cases := []struct {
		name, in string
		ok       bool
	}{
		{"one key", "k1:" + good, true},
		{"padded base64url", "k1:" + good + "=", true},
		{"rotation", "k2:" + other + ",k1:" + good, true},
		{"empty", "", false},
		{"no kid", good, false},
		{"bad kid", "k 1:" + good, false},
		{"duplicate kid", "k1:" + good + ",k1:" + other, false},
		{"short seed", "k1:" + seed(make([]byte, 16)), false},
		{"not base64", "k1:!!!!", false},
		{"all zeros", "k1:" + seed(make([]byte, 32)), false},
		{"repeated pattern", "k1:" + seed([]byte(strings.Repeat("abcd", 8))), false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			k, err := ParseSigningKeys(tc.in)
			if (err == nil) != tc.ok {
				t.Fatalf("got error %v, want ok=%v", err, tc.ok)
			}
			if err != nil {
				if !strings.Contains(err.Error(), "JWT_SIGNING_KEY") {
					t.Errorf("error %q does not name JWT_SIGNING_KEY", err)
				}
				if strings.Contains(err.Error(), good) {
					t.Errorf("error leaks key material")
				}
			}
			if tc.ok && tc.name == "rotation" {
				if k.CurrentKeyID() != "k2" {
					t.Errorf("got signing kid %q, want k2 (the first)", k.CurrentKeyID())
				}
				if _, ok := k.PublicKey("k1"); !ok {
					t.Errorf("old key k1 does not verify")
				}
			}
		})
	}
}

func TestRotatedKeyStillVerifies(t *testing.T) {
	t.Parallel()
	s1, s2 := randomSeed(), randomSeed()
	old, _ := ParseSigningKeys("k1:" + s1)
	rotated, _ := ParseSigningKeys("k2:" + s2 + ",k1:" + s1)
	tok, err := NewTokens(old, nil).IssueAccess(User{ID: "u1", TokenVersion: 3})
	if err != nil {
		t.Fatal(err)
	}
	id, v, err := NewTokens(rotated, nil).ParseAccess(tok)
	if err != nil || id != "u1" || v != 3 {
		t.Errorf("got %q %d %v, want u1 3 nil", id, v, err)
	}
	dropped, _ := ParseSigningKeys("k2:" + s2)
	if _, _, err := NewTokens(dropped, nil).ParseAccess(tok); err == nil {
		t.Errorf("a token of a removed key still verifies")
	}
}
