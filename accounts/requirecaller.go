package accounts

import (
	"context"
	"fmt"

	"speaksafe/errkind"
)

// RequireCaller returns the caller carried by ctx, or Unauthorized when
// there is none: a store method that acts for a member of staff refuses to
// act for nobody rather than treating the zero Caller as a role.
func RequireCaller(ctx context.Context) (Caller, error) {
	c, ok := CallerFrom(ctx)
	if !ok {
		return Caller{}, fmt.Errorf("accounts: no signed-in caller: %w", errkind.Unauthorized)
	}
	return c, nil
}
