package accounts

import (
	"context"

	"speaksafe/audit"
)

// LogoutEverywhere signs user userID out of every session at once: every
// refresh family is revoked and the token version moves on, so no access
// or refresh token issued before still works, in the console or on a
// phone. Push devices stay registered: they belong to the phone, which
// signs in again. Audited as auth.logout_all.
func (a *Auth) LogoutEverywhere(ctx context.Context, userID string) error {
	if err := a.store.bumpTokenVersion(ctx, userID); err != nil {
		return err
	}
	if err := a.store.revokeUserFamilies(ctx, userID); err != nil {
		return err
	}
	// As with Logout, access is taken away before the entry is written.
	return a.store.record(context.WithoutCancel(ctx), audit.Entry{Actor: userID, Action: "auth.logout_all", ObjectType: "user", ObjectID: userID})
}
