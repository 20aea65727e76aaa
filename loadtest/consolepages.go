package main

// consolePage is one console screen the console row requests: a GET
// route of package console (as registered, under /console) and the role
// that opens it. ":id" in a case route becomes a case of the force's queue.
type consolePage struct {
	role  string
	route string
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
	{roleOfficer, "/console/"},
	{roleOfficer, "/console/cases"},
	{roleOfficer, "/console/cases/:id"},
	{roleOfficer, "/console/alerts"},
	{roleOfficer, "/console/account"},
	{roleSupervisor, "/console/cases"},
	{roleSupervisor, "/console/cases/:id"},
	{roleSupervisor, "/console/alerts"},
	{roleSupervisor, "/console/oncall"},
	{roleAdmin, "/console/content"},
	{roleAdmin, "/console/content/new"},
	{roleAdmin, "/console/organisations"},
	{roleAdmin, "/console/users"},
}

// consoleNotMeasured are the console GET routes the row leaves out, with why.
var consoleNotMeasured = map[string]string{
	"/console/static/:name":      "embedded assets, served from memory",
	"/console/signin":            "the public sign-in form (the row signs in through it)",
	"/console/invite":            "the public invitation form",
	"/console/collection":        "school staff only; the row's fixture has no school",
	"/console/collection/poster": "school staff only; the row's fixture has no school",
	"/console/content/:id":       "needs a content item of the admin's; the list and editor are measured",
}
