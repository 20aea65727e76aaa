package accounts

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"speaksafe/audit"
	"speaksafe/database"
	"speaksafe/errkind"
)

// Organisation is a police force or a school. A school lies in a force's
// area (ForceID), which decides whose officers handle its pupils' reports.
type Organisation struct {
	ID      string  `bson:"_id"`
	Kind    OrgKind `bson:"kind"`
	Name    string  `bson:"name"`
	Code    string  `bson:"code"`
	ForceID string  `bson:"forceId,omitempty"`
	// Area and NonEmergency are a force's public details: the area it
	// polices and its non-emergency number (101 in most of the UK).
	Area         string `bson:"area,omitempty"`
	NonEmergency string `bson:"nonEmergency,omitempty"`
	// ReadingHours are when a force reads routine reports; nil when it
	// stated none.
	ReadingHours *ReadingHours `bson:"readingHours,omitempty"`
	// AgencyType and ForceIDs describe an agency: what kind of partner it
	// is and the forces whose areas it serves (one or more). ForceIDs are
	// also the forces an oversight organisation covers (a police and crime
	// commissioner's office may cover several); empty for other kinds.
	AgencyType AgencyType `bson:"agencyType,omitempty"`
	ForceIDs   []string   `bson:"forceIds,omitempty"`
	CreatedAt  time.Time  `bson:"createdAt"`
	UpdatedAt  time.Time  `bson:"updatedAt"`
}

// ScopeForceID is the force whose area the organisation is in: itself for a
// force, its force for a school, none for an agency (which may serve
// several; see ForceIDs).
func (o Organisation) ScopeForceID() string {
	if o.Kind == OrgForce {
		return o.ID
	}
	return o.ForceID
}

// CoveredForces returns the forces whose figures the organisation's
// members may see: its own for a force, its force for a school, those it
// covers for an oversight office.
func (o Organisation) CoveredForces() []string {
	if o.Kind == OrgOversight {
		return slices.Clone(o.ForceIDs)
	}
	if f := o.ScopeForceID(); f != "" {
		return []string{f}
	}
	return nil
}

// MaxCoveredForces bounds how many forces one oversight office covers.
const MaxCoveredForces = 50

// codePattern allows short codes a child can type: lower-case letters,
// digits and inner hyphens.
var codePattern = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$`)

// nonEmergencyPattern is a phone number as a child would dial it.
var nonEmergencyPattern = regexp.MustCompile(`^\+?[0-9][0-9 ()-]{1,30}$`)

// NormaliseCode lower-cases and trims a short code as typed by a person.
func NormaliseCode(code string) string { return strings.ToLower(strings.TrimSpace(code)) }

// Validate reports every problem with a new organisation.
func (o Organisation) Validate() error {
	v := &errkind.ValidationError{}
	v.Check(!slices.Contains([]OrgKind{OrgForce, OrgSchool, OrgOversight, OrgAgency}, o.Kind), "kind", "must be force, school, oversight or agency")
	n := utf8.RuneCountInString(strings.TrimSpace(o.Name))
	v.Check(n == 0 || n > 120, "name", "must be 1 to 120 characters")
	v.Check(!codePattern.MatchString(o.Code), "code", "must be 1 to 32 lower-case letters, digits or inner hyphens")
	v.Check(o.Kind == OrgSchool && o.ForceID == "", "forceId", "a school needs the force whose area it is in")
	v.Check(o.Kind == OrgForce && o.ForceID != "", "forceId", "a force has no force")
	v.Check(utf8.RuneCountInString(o.Area) > 120 || strings.ContainsFunc(o.Area, isControlRune), "area", "must be at most 120 characters of text")
	v.Check(o.NonEmergency != "" && !nonEmergencyPattern.MatchString(o.NonEmergency), "nonEmergency", "must be a phone number")
	v.Check(o.Kind == OrgSchool && (o.Area != "" || o.NonEmergency != ""), "area", "only a force has an area and a non-emergency number")
	v.Check(o.Kind == OrgSchool && o.ReadingHours != nil, "readingHours", "only a force has reading hours")
	o.checkOversight(v)
	if o.ReadingHours != nil {
		o.ReadingHours.check(v)
	}
	o.checkAgency(v)
	return v.Err()
}

// checkOversight adds the problems of an oversight office's fields, and of
// forceIds on any other kind.
func (o Organisation) checkOversight(v *errkind.ValidationError) {
	if o.Kind != OrgOversight {
		return // agencies' forceIds: checkAgency; other kinds: checkAgency refuses them
	}
	v.Check(len(o.ForceIDs) == 0 || len(o.ForceIDs) > MaxCoveredForces, "forceIds", "must list 1 to 50 forces")
	v.Check(o.ForceID != "", "forceId", "an oversight organisation lists its forces in forceIds")
	v.Check(o.Area != "" || o.NonEmergency != "" || o.ReadingHours != nil, "area", "only a force has an area, a non-emergency number and reading hours")
	seen := map[string]bool{}
	for _, id := range o.ForceIDs {
		v.Check(id == "" || seen[id], "forceIds", "must list distinct force ids")
		seen[id] = true
	}
}

// checkForces reports a forceIds entry that is not a police force.
func (s *Store) checkForces(ctx context.Context, ids []string) error {
	for _, id := range ids {
		f, err := s.GetOrganisation(ctx, id)
		if errors.Is(err, errkind.NotFound) || (err == nil && f.Kind != OrgForce) {
			return errkind.Invalid("forceIds", "no such force: "+id)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

type codeClaim struct {
	Code      string    `bson:"_id"`
	OrgID     string    `bson:"orgId"`
	ClaimedAt time.Time `bson:"claimedAt"`
}

// CreateOrganisation stores a new organisation. Only admins may. The short
// code is claimed first (duplicate → Conflict) so that two racing creations
// cannot both get it.
func (s *Store) CreateOrganisation(ctx context.Context, o Organisation) (Organisation, error) {
	c, err := RequireCaller(ctx)
	if err != nil {
		return Organisation{}, err
	}
	if c.Role != RoleAdmin {
		return Organisation{}, fmt.Errorf("accounts: create organisation: %w", errkind.Forbidden)
	}
	o.Code = NormaliseCode(o.Code)
	o.Name = strings.TrimSpace(o.Name)
	o.Area, o.NonEmergency = strings.TrimSpace(o.Area), strings.TrimSpace(o.NonEmergency)
	if err := o.Validate(); err != nil {
		return Organisation{}, err
	}
	if o.Kind == OrgSchool {
		f, err := s.GetOrganisation(ctx, o.ForceID)
		if err != nil || f.Kind != OrgForce {
			return Organisation{}, errkind.Invalid("forceId", "no such force")
		}
	}
	if err := s.checkForces(ctx, o.ForceIDs); err != nil {
		return Organisation{}, err
	}
	o.ID = database.NewID()
	o.CreatedAt = s.now().UTC().Truncate(time.Millisecond)
	o.UpdatedAt = o.CreatedAt
	claim := codeClaim{Code: o.Code, OrgID: o.ID, ClaimedAt: o.CreatedAt}
	err = database.Claim(ctx, s.logger, s.db.Collection(colOrgCodes), o.Code, claim, func(ctx context.Context) error {
		if err := s.record(ctx, audit.Entry{Action: "organisation.create", ObjectType: "organisation", ObjectID: o.ID,
			Detail: orgDetail(o)}); err != nil {
			return err
		}
		if _, err := s.db.Collection(colOrganisations).InsertOne(ctx, o); err != nil {
			return fmt.Errorf("accounts: insert organisation: %w", err)
		}
		return nil
	})
	if errors.Is(err, database.ErrClaimed) {
		return Organisation{}, fmt.Errorf("accounts: organisation code %q is taken: %w", o.Code, errkind.Conflict)
	}
	if err != nil {
		return Organisation{}, err
	}
	return o, nil
}

// GetOrganisation returns organisation id whoever asks: the names and codes
// of forces and schools are not secret, and other domains need them without
// a signed-in caller (a child typing a school code). Routes that show
// organisations to staff use Organisation, which is scoped.
func (s *Store) GetOrganisation(ctx context.Context, id string) (Organisation, error) {
	return database.FindByID[Organisation](ctx, s.db.Collection(colOrganisations), id,
		fmt.Errorf("accounts: organisation %s: %w", id, errkind.NotFound))
}

// OrganisationByCode returns the force or school whose short code is code
// (case-insensitive). Two lookups by _id: the code claim, then the
// organisation.
func (s *Store) OrganisationByCode(ctx context.Context, code string) (Organisation, error) {
	claim, err := database.FindByID[codeClaim](ctx, s.db.Collection(colOrgCodes), NormaliseCode(code),
		fmt.Errorf("accounts: organisation code: %w", errkind.NotFound))
	if err != nil {
		return Organisation{}, err
	}
	return s.GetOrganisation(ctx, claim.OrgID)
}

// orgScope returns the filter restricting organisations to those the caller
// may see: every one for an admin, their own for anyone else, none without
// a caller.
func orgScope(ctx context.Context) bson.D {
	c, ok := CallerFrom(ctx)
	switch {
	case !ok:
		return bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: bson.A{}}}}}
	case c.Role == RoleAdmin:
		return bson.D{}
	default:
		return bson.D{{Key: "_id", Value: c.OrgID}}
	}
}

// Organisation returns organisation id if the caller may see it, otherwise
// NotFound.
func (s *Store) Organisation(ctx context.Context, id string) (Organisation, error) {
	filter := bson.D{{Key: "$and", Value: bson.A{bson.D{{Key: "_id", Value: id}}, orgScope(ctx)}}}
	if c, ok := CallerFrom(ctx); ok && c.Role == RoleAdmin {
		filter = bson.D{{Key: "_id", Value: id}} // exact _id: the indexed path
	}
	var o Organisation
	err := s.db.Collection(colOrganisations).FindOne(ctx, filter).Decode(&o)
	if database.IsNotFound(err) {
		return Organisation{}, fmt.Errorf("accounts: organisation %s: %w", id, errkind.NotFound)
	}
	if err != nil {
		return Organisation{}, fmt.Errorf("accounts: organisation %s: %w", id, err)
	}
	return o, nil
}

// OrganisationQuery narrows a listing of organisations.
type OrganisationQuery struct {
	Kind    OrgKind // empty: every kind
	ForceID string  // schools and agencies of this force (and the force itself)
	After   string  // id of the last item of the previous page
	Limit   int     // 1..100
}

// ListOrganisations returns the organisations the caller may see, ordered
// by id, at most q.Limit of them.
func (s *Store) ListOrganisations(ctx context.Context, q OrganisationQuery) ([]Organisation, error) {
	and := bson.A{orgScope(ctx)}
	if q.Kind != "" {
		and = append(and, bson.D{{Key: "kind", Value: string(q.Kind)}})
	}
	if q.ForceID != "" {
		and = append(and, bson.D{{Key: "$or", Value: bson.A{
			bson.D{{Key: "forceId", Value: q.ForceID}}, bson.D{{Key: "_id", Value: q.ForceID}},
			bson.D{{Key: "forceIds", Value: q.ForceID}},
		}}})
	}
	if q.After != "" {
		and = append(and, bson.D{{Key: "_id", Value: bson.D{{Key: "$gt", Value: q.After}}}})
	}
	opts := options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(int64(clampLimit(q.Limit)))
	cur, err := s.db.Collection(colOrganisations).Find(ctx, bson.D{{Key: "$and", Value: and}}, opts)
	if err != nil {
		return nil, fmt.Errorf("accounts: list organisations: %w", err)
	}
	out := []Organisation{}
	if err := cur.All(ctx, &out); err != nil {
		return nil, fmt.Errorf("accounts: list organisations: %w", err)
	}
	return out, nil
}

// OrganisationPatch holds the fields an admin may change. Kind, code and a
// school's force are fixed at creation: codes are printed on posters and
// users' scopes are derived from the force.
type OrganisationPatch struct {
	Name         *string
	Area         *string
	NonEmergency *string
	// ReadingHours, when Set, replaces the force's reading hours (nil
	// clears them).
	ReadingHours OptionalHours
	// ForceIDs, when not nil, replaces the forces an oversight office
	// covers.
	ForceIDs *[]string
}

// OptionalHours is a change of reading hours: none unless Set.
type OptionalHours struct {
	Set   bool
	Hours *ReadingHours
}

// UpdateOrganisation applies p to organisation id. Only admins may.
func (s *Store) UpdateOrganisation(ctx context.Context, id string, p OrganisationPatch) (Organisation, error) {
	c, err := RequireCaller(ctx)
	if err != nil {
		return Organisation{}, err
	}
	if c.Role != RoleAdmin {
		if _, err := s.Organisation(ctx, id); err != nil {
			return Organisation{}, err
		}
		return Organisation{}, fmt.Errorf("accounts: update organisation: %w", errkind.Forbidden)
	}
	o, err := s.Organisation(ctx, id)
	if err != nil {
		return Organisation{}, err
	}
	if p.Name != nil {
		o.Name = strings.TrimSpace(*p.Name)
	}
	if p.Area != nil {
		o.Area = strings.TrimSpace(*p.Area)
	}
	if p.NonEmergency != nil {
		o.NonEmergency = strings.TrimSpace(*p.NonEmergency)
	}
	if p.ReadingHours.Set {
		o.ReadingHours = p.ReadingHours.Hours
	}
	if p.ForceIDs != nil {
		o.ForceIDs = slices.Clone(*p.ForceIDs)
	}
	if err := o.Validate(); err != nil {
		return Organisation{}, err
	}
	if err := s.checkForces(ctx, o.ForceIDs); err != nil {
		return Organisation{}, err
	}
	o.UpdatedAt = s.now().UTC().Truncate(time.Millisecond)
	set := bson.D{{Key: "name", Value: o.Name}, {Key: "updatedAt", Value: o.UpdatedAt},
		{Key: "area", Value: o.Area}, {Key: "nonEmergency", Value: o.NonEmergency}}
	if o.Kind == OrgOversight {
		set = append(set, bson.E{Key: "forceIds", Value: o.ForceIDs})
	}
	update := bson.D{{Key: "$set", Value: set}}
	if o.ReadingHours != nil {
		update[0].Value = append(set, bson.E{Key: "readingHours", Value: o.ReadingHours})
	} else {
		update = append(update, bson.E{Key: "$unset", Value: bson.D{{Key: "readingHours", Value: ""}}})
	}
	detail := map[string]string{"name": o.Name}
	if p.ReadingHours.Set {
		detail["readingHours"] = map[bool]string{true: "set", false: "cleared"}[o.ReadingHours != nil]
	}
	if p.ForceIDs != nil {
		detail["forceIds"] = strings.Join(o.ForceIDs, ",")
	}
	if err := s.record(ctx, audit.Entry{Action: "organisation.update", ObjectType: "organisation", ObjectID: o.ID,
		Detail: detail}); err != nil {
		return Organisation{}, err
	}
	_, err = s.db.Collection(colOrganisations).UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, update)
	if err != nil {
		return Organisation{}, fmt.Errorf("accounts: update organisation %s: %w", id, err)
	}
	return o, nil
}

func clampLimit(n int) int {
	if n <= 0 || n > 100 {
		return 100
	}
	return n
}

func isControlRune(r rune) bool { return r < 0x20 || r == 0x7f }

// Forces returns every police force, by name, to anyone: a force's code,
// name, area and non-emergency number are public, and the app lists them
// so that a child can pick theirs.
func (s *Store) Forces(ctx context.Context) ([]Organisation, error) {
	cur, err := s.db.Collection(colOrganisations).Find(ctx, bson.D{{Key: "kind", Value: string(OrgForce)}})
	if err != nil {
		return nil, fmt.Errorf("accounts: forces: %w", err)
	}
	out := []Organisation{}
	if err := cur.All(ctx, &out); err != nil {
		return nil, fmt.Errorf("accounts: forces: %w", err)
	}
	slices.SortFunc(out, func(a, b Organisation) int { return strings.Compare(a.Name+"\x00"+a.ID, b.Name+"\x00"+b.ID) })
	return out, nil
}
