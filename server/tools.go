package server

import (
	"speaksafe/accounts"
	"speaksafe/audit"
)

// Tools are the stores of a built app that the operator's commands use
// (`speaksafe user …`, `speaksafe audit verify`), wired exactly as the
// server wires them.
type Tools struct {
	Accounts *accounts.Store
	Auth     *accounts.Auth
	Audit    *audit.Log
}

// Tools returns the app's stores for operator commands.
func (a *App) Tools() Tools {
	return Tools{Accounts: a.w.Accounts, Auth: a.w.Auth, Audit: a.w.Audit}
}
