// Package devices keeps the phones staff are paged on: registration (one
// device per FCM token, which moves between accounts only within a force),
// removal, the devices of a user or of a force's supervisors, and whether a
// member can be paged at all. Sending is the alerts package's job.
package devices

import (
	"crypto/sha256"
	"encoding/hex"

	"go.mongodb.org/mongo-driver/v2/bson"

	"speaksafe/database"
	"speaksafe/internal/staff"
)

const colDevices = "devices"

// Indexes are what this package's queries need on a real MongoDB (the
// embedded store only indexes _id).
func Indexes() []database.Index {
	return append([]database.Index{
		{Collection: colDevices, Keys: bson.D{{Key: "userId", Value: 1}, {Key: "_id", Value: 1}}, Name: "devices_user_id"},
		{Collection: colMoves, Keys: bson.D{{Key: "userId", Value: 1}, {Key: "movedAt", Value: -1}}, Name: "device_moves_user"},
		{Collection: colDevices, Keys: bson.D{{Key: "forceId", Value: 1}, {Key: "_id", Value: 1}}, Name: "devices_force_id"},
	}, database.Collections(colMarks)...)
}

// Users is what this package needs from accounts (see staff.Users).
type Users = staff.Users

// Auditor appends to the audit log (audit.Log satisfies it).
type Auditor = staff.Auditor

// TokenID is the device id of an FCM token: a hash, so that a token seen
// again finds its device by _id and ids in URLs reveal nothing.
func TokenID(token string) string {
	sum := sha256.Sum256([]byte("speaksafe-device:" + token))
	return hex.EncodeToString(sum[:16])
}
