package reports

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"
)

func seed(b byte) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strings.Repeat(string(rune(b)), 32)))
}

// EXPORT_KEYS signs with its first key and verifies with all of them, so a
// key can be rotated; without it the keys come from AUDIT_KEYS, under ids
// of their own, and differ from the audit keys' own use.
func TestExportKeysRotateAndDeriveFromAuditKeys(t *testing.T) {
	b := &exportBundle{Format: ExportFormat, ExportedAt: time.Date(2031, 1, 2, 3, 4, 5, 0, time.UTC), ExportedBy: "u1",
		Case: exportCaseBody{Reference: "SS-7KQ2-MX9D"}}
	old, err := ParseExportKeys("k1:"+seed('a'), "")
	if err != nil {
		t.Fatal(err)
	}
	file, err := signBundle(old, b)
	if err != nil {
		t.Fatal(err)
	}
	rotated, err := ParseExportKeys("k2:"+seed('b')+",k1:"+seed('a'), "")
	if err != nil {
		t.Fatal(err)
	}
	if sum, err := VerifyExport(rotated, file); err != nil || sum.Kid != "k1" || sum.Reference != "SS-7KQ2-MX9D" {
		t.Errorf("a bundle of the old key after rotation: %+v %v", sum, err)
	}
	dropped, _ := ParseExportKeys("k2:"+seed('b'), "")
	if _, err := VerifyExport(dropped, file); !errors.Is(err, ErrExportSignature) {
		t.Errorf("a bundle of a dropped key: got %v, want ErrExportSignature", err)
	}
	derived, err := ParseExportKeys("", "a1:"+seed('a'))
	if err != nil {
		t.Fatal(err)
	}
	file2, _ := signBundle(derived, b)
	if sum, err := VerifyExport(derived, file2); err != nil || sum.Kid != "audit-a1" {
		t.Errorf("derived keys: %+v %v", sum, err)
	}
	if string(derived.PublicKeys()[0].Key) == string(old.PublicKeys()[0].Key) {
		t.Error("the derived key is the audit key itself, not one of its own purpose")
	}
	if _, err := ParseExportKeys("k1:short", ""); err == nil {
		t.Error("a short EXPORT_KEYS key was accepted")
	}
}
