package handlers

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"speaksafe/errkind"
)

// maxJSONDepth bounds nesting: no request of ours nests deeper than a few
// levels, and a deep one is an attack on the decoder.
const maxJSONDepth = 16

// decodeError is a body the server cannot read as the route's request type.
type decodeError struct {
	status int
	msg    string
	fields []errkind.FieldError
}

func (e *decodeError) Error() string { return "handlers: decode: " + e.msg }

func badBody(msg string, fields ...errkind.FieldError) error {
	return &decodeError{status: http.StatusBadRequest, msg: msg, fields: fields}
}

// HeaderIgnoredFields names, on a child route's answer, the top-level
// fields of the request that this server does not know and ignored.
const HeaderIgnoredFields = "Ignored-Fields"

// decodeJSON reads the body of c into v strictly: application/json only,
// valid UTF-8, no duplicate keys, bounded depth, keys exactly as the
// fields' JSON names (no case variants), no unknown fields, one value.
// Client JSON therefore only ever lands in typed structs, never in a map that
// could reach a MongoDB filter.
func decodeJSON(c *fiber.Ctx, v any) error {
	return DecodeJSON(c.Get(fiber.HeaderContentType), c.Body(), v)
}

// decodeChildJSON is decodeJSON for the routes a child's app calls: an app
// one version ahead of this server must never lose a report, so unknown
// top-level fields are ignored and named in the Ignored-Fields header.
// Everything else stays strict: duplicate keys, case variants of known
// fields, unknown nested fields and every known field's rules.
func decodeChildJSON(c *fiber.Ctx, v any) error {
	ignored, err := DecodeChildJSON(c.Get(fiber.HeaderContentType), c.Body(), v)
	if err != nil {
		return err
	}
	if names := headerSafe(ignored); names != "" {
		c.Set(HeaderIgnoredFields, names)
	}
	return nil
}

// DecodeJSON is decodeJSON without Fiber, for fuzzing and tests.
func DecodeJSON(contentType string, body []byte, v any) error {
	_, err := decodeBody(contentType, body, v, false)
	return err
}

// DecodeChildJSON is decodeChildJSON without Fiber: it returns the unknown
// top-level keys it ignored, sorted.
func DecodeChildJSON(contentType string, body []byte, v any) ([]string, error) {
	return decodeBody(contentType, body, v, true)
}

func decodeBody(contentType string, body []byte, v any, lenient bool) ([]string, error) {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil || (mt != fiber.MIMEApplicationJSON && !strings.HasSuffix(mt, "+json")) {
		return nil, &decodeError{status: http.StatusUnsupportedMediaType, msg: "Send the body as application/json."}
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, badBody("The request body is empty.")
	}
	if !utf8.Valid(body) {
		return nil, badBody("The request body is not valid UTF-8.")
	}
	if err := checkStructure(body); err != nil {
		return nil, err
	}
	kc := &keyChecker{lenient: lenient}
	if err := kc.checkBodyKeys(body, v); err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if !lenient {
		dec.DisallowUnknownFields()
	}
	if err := dec.Decode(v); err != nil {
		return nil, describeJSONError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, badBody("The request body holds more than one JSON value.")
	}
	return kc.ignored, nil
}

// headerSafe joins the ignored names that are safe to echo in a header
// (short, printable ASCII, no comma); others are counted, not echoed.
func headerSafe(names []string) string {
	var out []string
	other := 0
	for _, n := range names {
		if len(n) == 0 || len(n) > 64 || strings.ContainsFunc(n, func(r rune) bool { return r <= ' ' || r > '~' || r == ',' }) {
			other++
			continue
		}
		out = append(out, n)
		if len(out) == 20 {
			break
		}
	}
	if other > 0 || len(out) < len(names)-other {
		out = append(out, "(and others)")
	}
	return strings.Join(out, ", ")
}

// checkStructure walks the tokens once to refuse duplicate keys and deep
// nesting, which encoding/json would otherwise accept silently.
func checkStructure(body []byte) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	type frame struct {
		object    bool
		keys      map[string]struct{}
		expectKey bool
	}
	var stack []frame
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return badBody("The request body is not valid JSON.")
		}
		top := len(stack) - 1
		if d, ok := tok.(json.Delim); ok {
			switch d {
			case '{', '[':
				if top >= 0 && stack[top].object {
					stack[top].expectKey = true
				}
				if len(stack) >= maxJSONDepth {
					return badBody("The request body is nested too deeply.")
				}
				stack = append(stack, frame{object: d == '{', keys: map[string]struct{}{}, expectKey: true})
			default:
				stack = stack[:top]
				if top > 0 && stack[top-1].object {
					stack[top-1].expectKey = true
				}
			}
			continue
		}
		if top >= 0 && stack[top].object {
			if stack[top].expectKey {
				key, _ := tok.(string)
				if _, dup := stack[top].keys[key]; dup {
					return badBody(fmt.Sprintf("The key %q appears more than once.", key))
				}
				stack[top].keys[key] = struct{}{}
				stack[top].expectKey = false
			} else {
				stack[top].expectKey = true
			}
		}
	}
}

func describeJSONError(err error) error {
	var (
		typeErr *json.UnmarshalTypeError
		syntax  *json.SyntaxError
	)
	switch {
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			field = "body"
		}
		return badBody("A field has the wrong type.", errkind.FieldError{Field: field, Message: "must be " + jsonKind(typeErr.Type.Kind().String())})
	case errors.As(err, &syntax):
		return badBody("The request body is not valid JSON.")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return badBody("The request body has a field this route does not accept.", errkind.FieldError{Field: name, Message: "unknown field"})
	}
	return badBody("The request body could not be read.")
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "slice", "array":
		return "an array"
	case "struct", "map":
		return "an object"
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64", "float32", "float64":
		return "a number"
	}
	return "of another type"
}
