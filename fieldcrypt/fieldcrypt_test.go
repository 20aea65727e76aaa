package fieldcrypt

import (
	"bytes"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
)

func mustKey(t *testing.T, kid string) string {
	t.Helper()
	k, err := NewKey(kid)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func mustParse(t *testing.T, s string) *Keys {
	t.Helper()
	k, err := Parse(s)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return k
}

func TestParseRejectsMalformed(t *testing.T) {
	t.Parallel()
	short := "k1:" + base64.RawURLEncoding.EncodeToString(make([]byte, 16))
	long := "k1:" + base64.RawURLEncoding.EncodeToString(make([]byte, 33))
	good := mustKey(t, "k1")
	tests := []struct {
		name, in string
	}{
		{"empty", ""},
		{"spaces", "   "},
		{"no colon", "k1" + strings.Repeat("A", 43)},
		{"empty kid", ":" + strings.Split(good, ":")[1]},
		{"kid with dot", "k.1:" + strings.Split(good, ":")[1]},
		{"short key", short},
		{"long key", long},
		{"not base64", "k1:!!!!notbase64!!!!"},
		{"duplicate kid", good + "," + good},
		{"trailing comma", good + ","},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse(tt.in)
			if err == nil {
				t.Fatalf("Parse(%q): got nil error, want one", tt.name)
			}
			if !strings.Contains(err.Error(), "DATA_KEYS") {
				t.Errorf("error %q does not name DATA_KEYS", err)
			}
			if k := strings.SplitN(good, ":", 2)[1]; strings.Contains(err.Error(), k) {
				t.Errorf("error leaks key material")
			}
		})
	}
}

func TestParseAcceptsPaddedKeys(t *testing.T) {
	t.Parallel()
	padded := "k1:" + base64.URLEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32))
	k := mustParse(t, " "+padded+" , "+mustKey(t, "k0"))
	if got := k.CurrentKeyID(); got != "k1" {
		t.Errorf("current key: got %q, want k1 (the first)", got)
	}
}

func TestSealOpenRoundTrip(t *testing.T) {
	t.Parallel()
	k := mustParse(t, mustKey(t, "k1"))
	for _, pt := range []string{"", "he asked for pictures", strings.Repeat("é", 5000)} {
		sealed, err := k.SealString("case-1", "whatHappened", pt)
		if err != nil {
			t.Fatal(err)
		}
		if pt != "" && strings.Contains(sealed, pt) {
			t.Fatalf("sealed value contains plaintext")
		}
		got, err := k.OpenString("case-1", "whatHappened", sealed)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		if got != pt {
			t.Errorf("got %q, want %q", got, pt)
		}
	}
}

func TestSealUsesFreshNonce(t *testing.T) {
	t.Parallel()
	k := mustParse(t, mustKey(t, "k1"))
	a, _ := k.SealString("r", "f", "same")
	b, _ := k.SealString("r", "f", "same")
	if a == b {
		t.Errorf("two seals of the same value are equal; want a fresh nonce each time")
	}
}

func TestMovedCiphertextFailsToOpen(t *testing.T) {
	t.Parallel()
	k := mustParse(t, mustKey(t, "k1"))
	sealed, err := k.SealString("case-1", "whatHappened", "secret text")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, record, field string }{
		{"other record", "case-2", "whatHappened"},
		{"other field", "case-1", "contactName"},
		{"boundary shift", "case-1w", "hatHappened"},
	}
	for _, tt := range tests {
		if _, err := k.OpenString(tt.record, tt.field, sealed); !errors.Is(err, ErrOpen) {
			t.Errorf("%s: got %v, want ErrOpen", tt.name, err)
		}
	}
}

func TestTamperedValuesFail(t *testing.T) {
	t.Parallel()
	k := mustParse(t, mustKey(t, "k1"))
	sealed, _ := k.SealString("r", "f", "secret text")
	kid, body, _ := strings.Cut(sealed, ".")
	raw, _ := base64.RawURLEncoding.DecodeString(body)
	raw[len(raw)-1] ^= 1
	flipped := kid + "." + base64.RawURLEncoding.EncodeToString(raw)
	for name, v := range map[string]string{
		"flipped bit": flipped,
		"no kid":      body,
		"unknown kid": "zz." + body,
		"truncated":   kid + "." + body[:10],
		"not base64":  kid + ".***",
		"empty":       "",
	} {
		if _, err := k.OpenString("r", "f", v); !errors.Is(err, ErrOpen) {
			t.Errorf("%s: got %v, want ErrOpen", name, err)
		}
	}
}

func TestRotation(t *testing.T) {
	t.Parallel()
	oldKey, newKey := mustKey(t, "2024"), mustKey(t, "2025")
	before := mustParse(t, oldKey)
	sealedOld, _ := before.SealString("r", "f", "written before rotation")

	after := mustParse(t, newKey+","+oldKey)
	got, err := after.OpenString("r", "f", sealedOld)
	if err != nil || got != "written before rotation" {
		t.Fatalf("old value after rotation: got %q, %v; want it to open", got, err)
	}
	sealedNew, _ := after.SealString("r", "f", "written after")
	if kid := KeyID(sealedNew); kid != "2025" {
		t.Errorf("new value key id: got %q, want 2025", kid)
	}
	if _, err := before.OpenString("r", "f", sealedNew); !errors.Is(err, ErrOpen) {
		t.Errorf("new value under old-only keys: got %v, want ErrOpen", err)
	}
	retired := mustParse(t, newKey)
	if _, err := retired.OpenString("r", "f", sealedOld); !errors.Is(err, ErrOpen) {
		t.Errorf("old value after the old key is retired: got %v, want ErrOpen", err)
	}
}

func FuzzOpen(f *testing.F) {
	k, _ := NewKey("k1")
	keys, _ := Parse(k)
	s, _ := keys.SealString("r", "f", "x")
	f.Add(s)
	f.Add("k1.")
	f.Fuzz(func(t *testing.T, v string) {
		_, _ = keys.OpenString("r", "f", v) // must not panic
	})
}

func FuzzParse(f *testing.F) {
	k, _ := NewKey("k1")
	f.Add(k)
	f.Add("a:b,c:d")
	f.Fuzz(func(t *testing.T, s string) {
		_, _ = Parse(s) // must not panic
	})
}
