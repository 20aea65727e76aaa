package server

import (
	"go.mongodb.org/mongo-driver/v2/mongo"

	"speaksafe/accounts"
	"speaksafe/audit"
	"speaksafe/content"
	"speaksafe/fieldcrypt"
	"speaksafe/reports"
)

// Tools are the stores of a built app that the operator's commands use
// (`speaksafe user …`, `speaksafe audit verify`, `speaksafe rekey`), wired
// exactly as the server wires them.
type Tools struct {
	Accounts *accounts.Store
	Auth     *accounts.Auth
	Audit    *audit.Log
	Reports  *reports.Store
	// Content serves tests that flush view counts at once.
	Content *content.Store
	// DB and DataKeys serve the commands that scan sealed fields.
	DB       *mongo.Database
	DataKeys *fieldcrypt.Keys
}

// Tools returns the app's stores for operator commands.
func (a *App) Tools() Tools {
	return Tools{Accounts: a.w.Accounts, Auth: a.w.Auth, Audit: a.w.Audit, Reports: a.w.Reports, Content: a.w.Content, DB: a.db, DataKeys: a.w.DataKeys}
}
