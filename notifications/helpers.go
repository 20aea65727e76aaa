package notifications

import (
	"errors"

	"speaksafe/errkind"
)

func asValidation(err error) *errkind.ValidationError {
	var ve *errkind.ValidationError
	if errors.As(err, &ve) {
		return ve
	}
	return nil
}
