package audit

import (
	"testing"
	"time"
)

// The chain's hashes and HMACs cover these bytes: entries written by any
// earlier release must still verify, so the encoding may never change.
func TestCanonicalBytesArePinned(t *testing.T) {
	at := time.Date(2026, 11, 30, 1, 2, 3, 4000, time.UTC)
	cases := []struct {
		name string
		rec  Record
		want string
	}{
		{"legacy entry: no kid, no detail", Record{Seq: 1, At: at, Actor: "u1", Action: "case.read", ObjectType: "case",
			ObjectID: "c1", Prev: "00", Hash: "ignored"},
			`{"seq":1,"at":"2026-11-30T01:02:03.000004Z","actor":"u1","action":"case.read","objectType":"case","objectId":"c1","prev":"00"}`},
		{"keyed entry with detail", Record{Seq: 2, At: at, Actor: "u2", Action: "user.role", ObjectType: "user",
			ObjectID: "u3", Detail: map[string]string{"z": "1", "a": "<2>"}, Prev: "ab", Kid: "k1", Hash: "ignored"},
			`{"seq":2,"at":"2026-11-30T01:02:03.000004Z","actor":"u2","action":"user.role","objectType":"user","objectId":"u3","detail":{"a":"\u003c2\u003e","z":"1"},"prev":"ab","kid":"k1"}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := string(tc.rec.Canonical()); got != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
}
