package handlers

import (
	"bytes"
	"encoding"
	"encoding/json"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"speaksafe/errkind"
)

// encoding/json matches object keys to struct fields case-insensitively and
// lets a later key overwrite an earlier one, so {"role":"admin","ROLE":"x"}
// would decode as one field whose value depends on the order. checkKeys
// walks the body against the target type first and refuses any key that is
// not exactly a field's JSON name, at every level (SECURITY 27).

var (
	jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// keyChecker walks one body. lenient lets unknown top-level keys through
// (collected in ignored); a key differing only in case from a field and
// any unknown key below the top level are refused all the same.
type keyChecker struct {
	lenient bool
	ignored []string
}

// checkBodyKeys parses body (already checked by checkStructure) and checks
// its keys against the type of v.
func (kc *keyChecker) checkBodyKeys(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var val any
	if err := dec.Decode(&val); err != nil {
		return badBody("The request body is not valid JSON.")
	}
	return kc.check(val, reflect.TypeOf(v), "", true)
}

func (kc *keyChecker) check(val any, t reflect.Type, path string, top bool) error {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil || opaque(t) {
		return nil
	}
	switch t.Kind() {
	case reflect.Struct:
		obj, ok := val.(map[string]any)
		if !ok {
			return nil // a type mismatch: the decoder reports it
		}
		return kc.checkObject(obj, jsonFields(t), path, top)
	case reflect.Slice, reflect.Array:
		arr, _ := val.([]any)
		for i, e := range arr {
			if err := kc.check(e, t.Elem(), path+"["+strconv.Itoa(i)+"]", false); err != nil {
				return err
			}
		}
	case reflect.Map:
		obj, _ := val.(map[string]any)
		for _, k := range sortedKeys(obj) {
			if err := kc.check(obj[k], t.Elem(), joinPath(path, k), false); err != nil {
				return err
			}
		}
	}
	return nil
}

func (kc *keyChecker) checkObject(obj map[string]any, fields map[string]reflect.Type, path string, top bool) error {
	for _, k := range sortedKeys(obj) {
		ft, ok := fields[k]
		if ok {
			if err := kc.check(obj[k], ft, joinPath(path, k), false); err != nil {
				return err
			}
			continue
		}
		if name, variant := caseVariant(fields, k); variant {
			return badBody("Keys must be written exactly as documented; one differs only in upper or lower case.",
				errkind.FieldError{Field: joinPath(path, k), Message: "unknown field; the field is written " + strconv.Quote(name)})
		}
		if top && kc.lenient {
			kc.ignored = append(kc.ignored, k)
			continue
		}
		return badBody("The request body has a field this route does not accept.",
			errkind.FieldError{Field: joinPath(path, k), Message: "unknown field"})
	}
	return nil
}

// opaque types decode themselves (time.Time, json.RawMessage) or take any
// value (interfaces): their insides are not struct fields.
func opaque(t reflect.Type) bool {
	if t.Kind() == reflect.Interface {
		return true
	}
	p := reflect.PointerTo(t)
	return t.Implements(jsonUnmarshaler) || p.Implements(jsonUnmarshaler) ||
		t.Implements(textUnmarshaler) || p.Implements(textUnmarshaler)
}

// jsonFields maps the JSON names of t's fields, as encoding/json sees
// them (tag name or Go name, embedded structs promoted), to their types.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		ft := f.Type
		for ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if f.Anonymous && name == "" && ft.Kind() == reflect.Struct {
			for k, v := range jsonFields(ft) {
				if _, shadowed := out[k]; !shadowed {
					out[k] = v
				}
			}
			continue
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = f.Type
	}
	return out
}

// caseVariant returns the field that key names in another case, if any.
func caseVariant(fields map[string]reflect.Type, key string) (string, bool) {
	for name := range fields {
		if strings.EqualFold(name, key) {
			return name, true
		}
	}
	return "", false
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
