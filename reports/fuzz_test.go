package reports

import (
	"errors"
	"testing"

	"speaksafe/errkind"
)

// FuzzCredentials feeds arbitrary references and receipts (typed by a
// child, sent to POST /v1/reports/session) to their parsers: no panic, and
// what is accepted is canonical — parsing it again gives it back.
func FuzzCredentials(f *testing.F) {
	for _, s := range []string{"SS-7KQ2-MX9D", "ss 7kq2 mx9d", "7KQ2-MX9D-P4HT-W3RA", "7kq2mx9dp4htw3ra", "", "SS-", "\xff", "SS-0O1I-LLLL"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if ref, ok := ParseReference(s); ok {
			if again, ok2 := ParseReference(ref); !ok2 || again != ref {
				t.Fatalf("ParseReference(%q) = %q, which parses to %q %v", s, ref, again, ok2)
			}
		}
		if rc, ok := ParseReceipt(s); ok {
			if again, ok2 := ParseReceipt(rc); !ok2 || again != rc {
				t.Fatalf("ParseReceipt(%q) = %q, which parses to %q %v", s, rc, again, ok2)
			}
		}
	})
}

// FuzzQueueFilter feeds arbitrary query parameters of GET /v1/cases to
// their validation: only field errors (400), never a panic.
func FuzzQueueFilter(f *testing.F) {
	f.Add("new", "asked_for_images", "", 25)
	f.Add("closed", "", "eyJ1Ijp0cnVlLCJ0IjoiMjAyNS0wMS0wMVQwMDowMDowMFoiLCJpIjoiYSJ9", 100)
	f.Add("x", "y", "%%%", -1)
	f.Fuzz(func(t *testing.T, status, category, cursor string, limit int) {
		q := QueueFilter{Status: Status(status), Category: Category(category), Cursor: cursor, Limit: limit}
		if err := q.Validate(); err != nil {
			var ve *errkind.ValidationError
			if !errors.As(err, &ve) || len(ve.Fields) == 0 {
				t.Fatalf("validation failed without field errors: %v", err)
			}
		}
	})
}
