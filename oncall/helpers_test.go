package oncall

import (
	"errors"
	"testing"

	"speaksafe/errkind"
)

func fieldsOf(t *testing.T, err error) []string {
	t.Helper()
	var ve *errkind.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("got %v, want a validation error", err)
	}
	var out []string
	for _, f := range ve.Fields {
		out = append(out, f.Field)
	}
	return out
}
