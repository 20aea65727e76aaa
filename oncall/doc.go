// Package oncall keeps who is on call: rotations (members taking shifts in
// a time zone), overrides (someone covering for someone else for a while),
// escalation policies (tiers of rotations, users and control-room
// webhooks, each force's default) and, from them, who a tier reaches now.
// The alert engine in package alerts reads it; it never calls the engine.
package oncall

import (
	"errors"

	"go.mongodb.org/mongo-driver/v2/bson"

	"speaksafe/database"
	"speaksafe/errkind"
	"speaksafe/internal/staff"
)

// Collections of this package.
const (
	colRotations = "oncall_rotations"
	colOverrides = "oncall_overrides"
	colPolicies  = "oncall_policies"
	colDefaults  = "oncall_defaults"
)

// Indexes are what this package's queries need on a real MongoDB (the
// embedded store only indexes _id and keeps these collections small).
func Indexes() []database.Index {
	return append([]database.Index{
		{Collection: colRotations, Keys: bson.D{{Key: "forceId", Value: 1}, {Key: "createdAt", Value: 1}}, Name: "rotations_force_created"},
		{Collection: colOverrides, Keys: bson.D{{Key: "forceId", Value: 1}, {Key: "createdAt", Value: 1}, {Key: "end", Value: 1}}, Name: "overrides_force_created_end"},
		{Collection: colPolicies, Keys: bson.D{{Key: "forceId", Value: 1}, {Key: "createdAt", Value: 1}}, Name: "policies_force_created"},
		{Collection: colOverrides, Keys: bson.D{{Key: "forceId", Value: 1}, {Key: "end", Value: 1}}, Name: "overrides_force_end"},
		{Collection: colOverrides, Keys: bson.D{{Key: "end", Value: 1}}, Name: "overrides_end"},
	}, database.Collections(colDefaults)...)
}

// Users is what this package needs from accounts (see staff.Users).
type Users = staff.Users

// Auditor appends to the audit log (audit.Log satisfies it).
type Auditor = staff.Auditor

func asValidation(err error) *errkind.ValidationError {
	var ve *errkind.ValidationError
	if errors.As(err, &ve) {
		return ve
	}
	return nil
}
