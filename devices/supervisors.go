package devices

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"speaksafe/accounts"
	"speaksafe/internal/staff"
)

// OfSupervisors lists, in id order and at most max, the devices (id and
// owner only) of the active supervisors of force. Devices carry their
// owner's force, so one query finds the candidates; each owner is then
// checked (role, force, not disabled) as any tier's members are.
func (s *Devices) OfSupervisors(ctx context.Context, forceID string, max int) ([]Device, error) {
	cur, err := s.db.Collection(colDevices).Find(ctx, bson.D{{Key: "forceId", Value: forceID}},
		options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}, {Key: "userId", Value: 1}}).
			SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(5000))
	if err != nil {
		return nil, fmt.Errorf("devices: supervisors' devices: %w", err)
	}
	var rows []Device
	if err := cur.All(ctx, &rows); err != nil {
		return nil, fmt.Errorf("devices: supervisors' devices: %w", err)
	}
	ok := map[string]bool{}
	var out []Device
	for _, r := range rows {
		sup, known := ok[r.UserID]
		if !known {
			u, active, err := staff.Active(ctx, s.users, r.UserID, forceID)
			if err != nil {
				return nil, err
			}
			sup = active && u.Role == accounts.RoleSupervisor
			ok[r.UserID] = sup
		}
		if sup && len(out) < max {
			out = append(out, Device{ID: r.ID, UserID: r.UserID})
		}
	}
	return out, nil
}
