package accounts

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Directory lists the active (not disabled) officers and supervisors of
// the caller's police force, ordered by id, after the id after: whom a case
// can be assigned to. Only a caller who handles cases in a force sees
// anyone; callers answer with names and roles only (see the handler).
func (s *Store) Directory(ctx context.Context, after string, limit int) ([]User, error) {
	c, ok := CallerFrom(ctx)
	out := []User{}
	if !ok || !c.Role.Has(RightHandleCases) || c.OrgKind != OrgForce || c.OrgID == "" {
		return out, nil
	}
	and := bson.A{
		bson.D{{Key: "orgId", Value: c.OrgID}},
		bson.D{{Key: "role", Value: bson.D{{Key: "$in", Value: bson.A{string(RoleOfficer), string(RoleSupervisor)}}}}},
		bson.D{{Key: "disabled", Value: false}},
	}
	if after != "" {
		and = append(and, bson.D{{Key: "_id", Value: bson.D{{Key: "$gt", Value: after}}}})
	}
	opts := options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(int64(clampLimit(limit))).
		SetProjection(bson.D{{Key: "name", Value: 1}, {Key: "role", Value: 1}})
	cur, err := s.db.Collection(colUsers).Find(ctx, bson.D{{Key: "$and", Value: and}}, opts)
	if err != nil {
		return nil, fmt.Errorf("accounts: directory: %w", err)
	}
	if err := cur.All(ctx, &out); err != nil {
		return nil, fmt.Errorf("accounts: directory: %w", err)
	}
	return out, nil
}
