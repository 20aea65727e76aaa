package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"speaksafe/accounts"
	"speaksafe/audit"
	"speaksafe/errkind"
)

func createAdminCommand() command {
	return command{
		name:    "user create-admin",
		args:    "EMAIL",
		nargs:   1,
		summary: "create an admin account with a password",
		help: `
Creates an admin (no organisation) who signs in with EMAIL and the password
read from the file named by ADMIN_PASSWORD_FILE, else ADMIN_PASSWORD, else
the first line of standard input (at least 12 characters). Where MFA is
required (production) the admin enrols TOTP at first sign-in. Recorded in
the audit log as user.create_admin by operator:cli. Runs against DATA_DIR's
embedded store (beside a running server) or MONGODB_URI.`,
		run: runCreateAdmin,
	}
}

func disableUserCommand() command {
	return command{
		name:    "user disable",
		args:    "EMAIL",
		nargs:   1,
		summary: "disable a member of staff and end their sessions now",
		help: `
Disables the account with EMAIL: it can no longer sign in, and its live
access tokens stop working at once (the token version changes). Recorded in
the audit log as user.update by operator:cli. Re-enable it from the console
(PATCH /v1/users/{id}). Runs against DATA_DIR's embedded store (beside a
running server) or MONGODB_URI.`,
		run: runDisableUser,
	}
}

// adminCaller is who the command acts as: an admin that is no account.
func adminCaller(ctx context.Context) context.Context {
	return accounts.WithCaller(ctx, accounts.Caller{UserID: operator, Role: accounts.RoleAdmin})
}

func runCreateAdmin(ctx context.Context, e Env, args []string) error {
	email := accounts.NormaliseEmail(args[0])
	password, err := readPassword(e)
	if err != nil {
		return err
	}
	if err := accounts.ValidatePassword("password", password); err != nil {
		return err
	}
	s, err := openSession(ctx, e, "user create-admin")
	if err != nil {
		return err
	}
	defer s.close()
	ctx = adminCaller(ctx)
	u, invite, err := s.tools.Accounts.CreateUser(ctx, accounts.NewUser{Email: email, Name: "Administrator", Role: accounts.RoleAdmin})
	if err != nil {
		return err
	}
	if err := s.tools.Auth.AcceptInvite(ctx, invite, password); err != nil {
		return fmt.Errorf("admin %s created but the password was not set (reissue an invite from the console): %w", email, err)
	}
	if err := s.tools.Audit.Record(ctx, audit.Entry{Actor: operator, Action: "user.create_admin", ObjectType: "user", ObjectID: u.ID}); err != nil {
		return fmt.Errorf("admin %s created but not audited: %w", email, err)
	}
	fmt.Fprintf(e.Stdout, "created admin %s (id %s)\n", email, u.ID)
	return nil
}

// readPassword takes the password from ADMIN_PASSWORD_FILE, ADMIN_PASSWORD
// or the first line of standard input, in that order.
func readPassword(e Env) (string, error) {
	if path := strings.TrimSpace(e.Getenv("ADMIN_PASSWORD_FILE")); path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return "", fmt.Errorf("ADMIN_PASSWORD_FILE: %w", err)
		}
		return strings.TrimRight(string(b), "\r\n"), nil
	}
	if pw := e.Getenv("ADMIN_PASSWORD"); pw != "" {
		return pw, nil
	}
	line, err := bufio.NewReader(e.Stdin).ReadString('\n')
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", fmt.Errorf("%w: no password (set ADMIN_PASSWORD_FILE or ADMIN_PASSWORD, or give it on standard input)%s", errUsage, readErr(err))
	}
	return line, nil
}

func readErr(err error) string {
	if err == nil || err.Error() == "EOF" {
		return ""
	}
	return ": " + err.Error()
}

func runDisableUser(ctx context.Context, e Env, args []string) error {
	return withUser(ctx, e, "user disable", args[0], func(ctx context.Context, st *accounts.Store, u accounts.User) error {
		if u.Disabled {
			fmt.Fprintf(e.Stdout, "%s was already disabled\n", u.Email)
			return nil
		}
		disabled := true
		if _, err := st.UpdateUser(ctx, u.ID, accounts.UserPatch{Disabled: &disabled}); err != nil {
			return err
		}
		fmt.Fprintf(e.Stdout, "disabled %s (id %s, %s); their sessions end now\n", u.Email, u.ID, u.Role)
		return nil
	})
}

// withUser opens the store for command name, finds the account with email
// and runs fn on it as the operator (an admin caller).
func withUser(ctx context.Context, e Env, name, email string, fn func(context.Context, *accounts.Store, accounts.User) error) error {
	email = accounts.NormaliseEmail(email)
	s, err := openSession(ctx, e, name)
	if err != nil {
		return err
	}
	defer s.close()
	ctx = adminCaller(ctx)
	u, err := userByEmail(ctx, s.tools.Accounts, email)
	if err != nil {
		return err
	}
	u.Email = email
	return fn(ctx, s.tools.Accounts, u)
}

var errNoSuchUser = errors.New("no user has that email address")

// userByEmail finds the account by its email claim (two reads by _id).
func userByEmail(ctx context.Context, st *accounts.Store, email string) (accounts.User, error) {
	u, err := st.UserByEmail(ctx, email)
	if errors.Is(err, errkind.NotFound) {
		return accounts.User{}, fmt.Errorf("%w: %s", errNoSuchUser, email)
	}
	return u, err
}

func resetMFACommand() command {
	return command{
		name:    "user reset-mfa",
		args:    "EMAIL",
		nargs:   1,
		summary: "remove a member of staff's second factor and end their sessions",
		help: `
For someone who lost their authenticator: removes the TOTP factor and the
recovery codes of the account with EMAIL, ends every live session and
refresh token at once, and forgets their devices, exactly as an admin's
POST /v1/users/{id}/mfa/reset does. Their next sign-in starts over, with
TOTP enrolment where their role requires it. Check who is asking before you
run it. Recorded in the audit log as user.mfa_reset by operator:cli. Runs
against DATA_DIR's embedded store (beside a running server) or MONGODB_URI.`,
		run: runResetMFA,
	}
}

func runResetMFA(ctx context.Context, e Env, args []string) error {
	return withUser(ctx, e, "user reset-mfa", args[0], func(ctx context.Context, st *accounts.Store, u accounts.User) error {
		if err := st.ResetMFA(ctx, u.ID); err != nil {
			return err
		}
		fmt.Fprintf(e.Stdout, "reset MFA of %s (id %s, %s); their sessions end now and they enrol again at next sign-in\n", u.Email, u.ID, u.Role)
		return nil
	})
}
