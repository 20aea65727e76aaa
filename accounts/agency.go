package accounts

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"speaksafe/errkind"
)

// AgencyType is what kind of safeguarding partner an agency is.
type AgencyType string

// Agency types.
const (
	AgencyChildrensSocialCare AgencyType = "childrens_social_care" // a local authority's MASH front door
	AgencyHealth              AgencyType = "health"
	AgencyEducation           AgencyType = "education" // the local authority's education safeguarding team
	AgencyYouthJustice        AgencyType = "youth_justice"
	AgencyOther               AgencyType = "other"
)

// AgencyTypes returns every agency type.
func AgencyTypes() []AgencyType {
	return []AgencyType{AgencyChildrensSocialCare, AgencyHealth, AgencyEducation, AgencyYouthJustice, AgencyOther}
}

// maxAgencyForces bounds the forces one agency is linked to.
const maxAgencyForces = 20

// checkAgency adds the problems of an agency's own fields, and refuses
// them on other kinds.
func (o Organisation) checkAgency(v *errkind.ValidationError) {
	if o.Kind != OrgAgency {
		v.Check(o.AgencyType != "", "agencyType", "only an agency has an agency type")
		v.Check(o.Kind != OrgOversight && len(o.ForceIDs) > 0, "forceIds", "only an agency or an oversight organisation lists forces")
		return
	}
	v.Check(!slices.Contains(AgencyTypes(), o.AgencyType), "agencyType",
		"must be childrens_social_care, health, education, youth_justice or other")
	v.Check(len(o.ForceIDs) == 0 || len(o.ForceIDs) > maxAgencyForces, "forceIds", "must list 1 to 20 forces")
	seen := map[string]bool{}
	for i, id := range o.ForceIDs {
		v.Check(id == "" || len(id) > 64 || seen[id], fmt.Sprintf("forceIds[%d]", i), "must be a force id, listed once")
		seen[id] = true
	}
	v.Check(o.ForceID != "", "forceId", "an agency lists its forces in forceIds")
	v.Check(o.Area != "" || o.NonEmergency != "" || o.ReadingHours != nil, "area", "only a force has an area, a non-emergency number and reading hours")
}

// orgDetail is what the audit log records of a new organisation.
func orgDetail(o Organisation) map[string]string {
	d := map[string]string{"kind": string(o.Kind), "code": o.Code, "forceId": o.ForceID}
	if o.Kind == OrgAgency {
		d["agencyType"] = string(o.AgencyType)
	}
	if len(o.ForceIDs) > 0 {
		d["forceIds"] = strings.Join(o.ForceIDs, ",")
		delete(d, "forceId")
	}
	return d
}

// Serves reports whether agency o serves force forceID's area.
func (o Organisation) Serves(forceID string) bool {
	return o.Kind == OrgAgency && forceID != "" && slices.Contains(o.ForceIDs, forceID)
}

// AgenciesOf lists the agencies linked to force forceID, by id, to whom
// its officers may refer cases. Names and types of agencies are not
// secret to the forces they serve.
func (s *Store) AgenciesOf(ctx context.Context, forceID string) ([]Organisation, error) {
	out := []Organisation{}
	if forceID == "" {
		return out, nil
	}
	f := bson.D{{Key: "kind", Value: string(OrgAgency)}, {Key: "forceIds", Value: forceID}}
	cur, err := s.db.Collection(colOrganisations).Find(ctx, f, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(500))
	if err != nil {
		return nil, fmt.Errorf("accounts: agencies of force: %w", err)
	}
	if err := cur.All(ctx, &out); err != nil {
		return nil, fmt.Errorf("accounts: agencies of force: %w", err)
	}
	return out, nil
}
