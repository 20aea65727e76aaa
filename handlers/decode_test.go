package handlers

import (
	"errors"
	"net/http"
	"strings"
	"testing"
)

type sample struct {
	Reference string   `json:"reference"`
	Count     int      `json:"count"`
	Tags      []string `json:"tags"`
	Inner     struct {
		Flag bool `json:"flag"`
	} `json:"inner"`
}

func TestDecodeJSONRefusesWhatItCannotTrust(t *testing.T) {
	t.Parallel()
	deep := strings.Repeat(`{"inner":`, 40) + "{}" + strings.Repeat("}", 40)
	cases := []struct {
		name, contentType, body string
		status                  int
		field                   string
	}{
		{"operator instead of a string", "application/json", `{"reference":{"$ne":""}}`, 400, "reference"},
		{"duplicate key", "application/json", `{"reference":"a","reference":"b"}`, 400, ""},
		{"duplicate nested key", "application/json", `{"inner":{"flag":true,"flag":false}}`, 400, ""},
		{"unknown field", "application/json", `{"reference":"a","admin":true}`, 400, "admin"},
		{"invalid UTF-8", "application/json", "{\"reference\":\"\xff\xfe\"}", 400, ""},
		{"broken JSON", "application/json", `{"reference":`, 400, ""},
		{"two values", "application/json", `{"reference":"a"}{"reference":"b"}`, 400, ""},
		{"deep nesting", "application/json", deep, 400, ""},
		{"empty body", "application/json", ``, 400, ""},
		{"wrong content type", "text/plain", `{"reference":"a"}`, 415, ""},
		{"no content type", "", `{"reference":"a"}`, 415, ""},
		{"number as string", "application/json", `{"count":"7"}`, 400, "count"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var v sample
			err := DecodeJSON(tc.contentType, []byte(tc.body), &v)
			var de *decodeError
			if !errors.As(err, &de) {
				t.Fatalf("got %v, want a decode error", err)
			}
			if p := toProblem(err); p.Status != tc.status {
				t.Errorf("status %d, want %d", p.Status, tc.status)
			}
			if tc.field != "" && (len(de.fields) == 0 || de.fields[0].Field != tc.field) {
				t.Errorf("field errors %+v, want one for %q", de.fields, tc.field)
			}
		})
	}
}

func TestDecodeJSONAcceptsAWellFormedBody(t *testing.T) {
	t.Parallel()
	var v sample
	body := `{"reference":"SS-7Q4K","count":3,"tags":["a","a"],"inner":{"flag":true}}`
	if err := DecodeJSON("application/json; charset=utf-8", []byte(body), &v); err != nil {
		t.Fatal(err)
	}
	if v.Reference != "SS-7Q4K" || v.Count != 3 || len(v.Tags) != 2 || !v.Inner.Flag {
		t.Errorf("got %+v", v)
	}
}

func TestServerErrorsSayNothingOfTheCause(t *testing.T) {
	t.Parallel()
	p := toProblem(errors.New("mongo: connection refused at 10.1.2.3:27017"))
	if p.Status != http.StatusInternalServerError || strings.Contains(p.Detail, "mongo") || strings.Contains(p.Detail, "10.1.2.3") {
		t.Errorf("500 problem leaks its cause: %+v", p)
	}
}

func FuzzDecodeJSON(f *testing.F) {
	for _, seed := range []string{
		`{"reference":"a","count":1,"tags":["x"],"inner":{"flag":true}}`,
		`{"reference":{"$ne":""}}`, `{"a":1,"a":2}`, `[[[[[]]]]]`, "\xff", `{"inner":{"flag":1}}`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body string) {
		var v sample
		err := DecodeJSON("application/json", []byte(body), &v)
		if err != nil {
			if p := toProblem(err); p.Status != 400 {
				t.Fatalf("body %q: status %d, want 400", body, p.Status)
			}
		}
	})
}
