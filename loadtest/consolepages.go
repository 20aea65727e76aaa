package main

import "net/http"

// consolePage is one console screen the console row requests: a GET
// route of package console (as registered, under /console), the role that
// opens it and, when not 200, the status it answers. ":id" in a case route
// becomes a case of the force's queue.
type consolePage struct {
	role   string
	route  string
	status int
}

// Roles the console row signs in as.
const (
	roleOfficer    = "officer"
	roleSupervisor = "supervisor"
	roleAdmin      = "admin"
)

// consolePages is every console GET page the console row measures. A new
// console screen goes here (or in consoleNotMeasured with the reason);
// TestEveryConsolePageIsMeasured fails on a GET route in neither.
var consolePages = []consolePage{
	{roleOfficer, "/console/", http.StatusSeeOther}, // to the role's first screen
	{roleOfficer, "/console/cases", 0},
	{roleOfficer, "/console/cases/:id", 0},
	{roleOfficer, "/console/alerts", 0},
	{roleOfficer, "/console/account", 0},
	{roleOfficer, "/console/cases/:id/history", 0},
	{roleOfficer, "/console/cases/:id/referrals", 0},
	{roleSupervisor, "/console/cases", 0},
	{roleSupervisor, "/console/cases/:id", 0},
	{roleSupervisor, "/console/alerts", 0},
	{roleSupervisor, "/console/oncall", 0},
	{roleSupervisor, "/console/cases/:id/audit", 0},
	{roleSupervisor, "/console/figures", 0},
	{roleSupervisor, "/console/figures/figures.csv", 0},
	{roleSupervisor, "/console/reminders/settings", 0},
	{roleAdmin, "/console/content", 0},
	{roleAdmin, "/console/content/new", 0},
	{roleAdmin, "/console/organisations", 0},
	{roleAdmin, "/console/users", 0},
}

// consoleNotMeasured are the console GET routes the row leaves out, with why.
var consoleNotMeasured = map[string]string{
	"/console/static/:name":          "embedded assets, served from memory",
	"/console/signin":                "the public sign-in form (the row signs in through it)",
	"/console/invite":                "the public invitation form",
	"/console/collection":            "school staff only; the row's fixture has no school",
	"/console/collection/poster":     "school staff only; the row's fixture has no school",
	"/console/content/:id":           "needs a content item of the admin's; the list and editor are measured",
	"/console/figures/charts/:chart": "the figures page's chart images; the figures page is measured",
	"/console/oncall/policies/:id":   "needs a policy id; the on-call screen listing the policies is measured",
	"/console/oncall/rotations/:id":  "needs a rotation id; the on-call screen listing the rotations is measured",
	"/console/referrals":             "partner agencies only; the row's fixture has no agency",
	"/console/referrals/:id":         "partner agencies only; the row's fixture has no agency",
	"/console/concerns":              "school staff only; the row's fixture has no school",
	"/console/concerns/new":          "school staff only; the row's fixture has no school",
	"/console/concerns/:id":          "school staff only; the row's fixture has no school",
}
