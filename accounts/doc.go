// Package accounts keeps the staff of SpeakSafe and their organisations
// (forces, schools, partner agencies, oversight offices): users and roles,
// passwords, TOTP, invites, access and refresh tokens, sign-in throttling,
// and the caller every store method reads from its context. Young people
// never have accounts.
package accounts
