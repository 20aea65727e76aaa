package handlers

import (
	"errors"
	"net/http"
	"reflect"
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

// FuzzDecodeJSON decodes arbitrary bodies strictly and as a child route
// does: only 400s; what the strict decoder takes the child decoder takes
// alike with nothing ignored; the child decoder ignores only top-level keys
// that match no field in any case, and exactly when the strict one refuses.
func FuzzDecodeJSON(f *testing.F) {
	for _, seed := range []string{
		`{"reference":"a","count":1,"tags":["x"],"inner":{"flag":true}}`,
		`{"reference":{"$ne":""}}`, `{"a":1,"a":2}`, `[[[[[]]]]]`, "\xff", `{"inner":{"flag":1}}`,
		`{"reference":"a","REFERENCE":"b"}`, `{"reference":"a","unknown":{"x":1}}`, `{"inner":{"Flag":true}}`,
	} {
		f.Add(seed)
	}
	fields := jsonFields(reflect.TypeFor[sample]())
	f.Fuzz(func(t *testing.T, body string) {
		var strict, child sample
		err := DecodeJSON("application/json", []byte(body), &strict)
		ignored, cerr := DecodeChildJSON("application/json", []byte(body), &child)
		for _, e := range []error{err, cerr} {
			if e != nil {
				if p := toProblem(e); p.Status != 400 {
					t.Fatalf("body %q: status %d, want 400", body, p.Status)
				}
			}
		}
		if err == nil && (cerr != nil || len(ignored) > 0 || !reflect.DeepEqual(strict, child)) {
			t.Fatalf("body %q: strict took it, child route got %v ignoring %v", body, cerr, ignored)
		}
		if cerr != nil {
			return
		}
		if (len(ignored) > 0) != (err != nil) {
			t.Fatalf("body %q: child route ignored %v, strict said %v", body, ignored, err)
		}
		for _, k := range ignored {
			if _, variant := caseVariant(fields, k); variant {
				t.Fatalf("body %q: ignored %q, a case variant of a field", body, k)
			}
		}
	})
}

// SECURITY 27: keys match a field's JSON name exactly, at every level; a
// case variant is refused on every route, lenient or not.
func TestDecodeJSONKeysMatchExactly(t *testing.T) {
	t.Parallel()
	refused := []struct {
		name, body string
		target     func() any
	}{
		{"force code twice in two cases", `{"forceCode":"a","FORCECODE":"b","category":"x","whatHappened":"y"}`, func() any { return &reportRequest{} }},
		{"role twice in two cases", `{"role":"admin","ROLE":"officer"}`, func() any { return &updateUserRequest{} }},
		{"only a case variant", `{"Reference":"a"}`, func() any { return &sample{} }},
		{"nested case variant", `{"inner":{"FLAG":true}}`, func() any { return &sample{} }},
		{"nested in an array", `{"forceCode":"a","answers":{"handles":[{"HANDLE":"x"}]}}`, func() any { return &reportRequest{} }},
		{"Unicode folding (long s)", `{"tagſ":["a"]}`, func() any { return &sample{} }},
		{"Unicode folding (Kelvin sign)", `{"answers":{"\u212AnowsWhereILive":true}}`, func() any { return &reportRequest{} }},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if err := DecodeJSON("application/json", []byte(tc.body), tc.target()); toProblem(err).Status != http.StatusBadRequest {
				t.Errorf("strict: got %v, want 400", err)
			}
			if _, err := DecodeChildJSON("application/json", []byte(tc.body), tc.target()); toProblem(err).Status != http.StatusBadRequest {
				t.Errorf("child route: got %v, want 400", err)
			}
		})
	}
}

// Child routes ignore unknown top-level keys and say which; everything
// else stays as strict as on staff routes.
func TestDecodeChildJSONIgnoresOnlyUnknownTopLevelKeys(t *testing.T) {
	t.Parallel()
	var v sample
	ignored, err := DecodeChildJSON("application/json", []byte(`{"reference":"a","zeta":{"deep":[1]},"alpha":true,"inner":{"flag":true}}`), &v)
	if err != nil || v.Reference != "a" || !v.Inner.Flag || strings.Join(ignored, ",") != "alpha,zeta" {
		t.Errorf("got %+v ignored %v err %v, want the known fields and alpha,zeta ignored", v, ignored, err)
	}
	if err := DecodeJSON("application/json", []byte(`{"reference":"a","alpha":true}`), &sample{}); toProblem(err).Status != http.StatusBadRequest {
		t.Errorf("strict route with an unknown field: got %v, want 400", err)
	}
	for _, body := range []string{
		`{"reference":"a","inner":{"flag":true,"extra":1}}`,
		`{"reference":"a","alpha":1,"alpha":2}`,
		`{"reference":{"$ne":""},"alpha":1}`,
		`{"count":"7","alpha":1}`,
	} {
		if _, err := DecodeChildJSON("application/json", []byte(body), &sample{}); toProblem(err).Status != http.StatusBadRequest {
			t.Errorf("child route %s: got %v, want 400", body, err)
		}
	}
}
