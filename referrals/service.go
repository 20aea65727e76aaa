package referrals

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"speaksafe/accounts"
	"speaksafe/audit"
	"speaksafe/database"
	"speaksafe/errkind"
	"speaksafe/fieldcrypt"
)

// Collections of this package. referral_events holds one document per
// step, whose _id ("<referral>:<step>") is the claim that makes each step
// happen once, whatever the store and however many instances.
const (
	colReferrals = "referrals"
	colEvents    = "referral_events"
)

// CaseFacts is what the case side lets a caller share of one case.
type CaseFacts struct {
	ID         string
	ForceID    string
	Identified bool
	// Values holds each shareable field's current value as text; a field
	// the case lacks is absent.
	Values map[Field]string
}

// Cases is what referrals needs from the case domain.
type Cases interface {
	// ShareView returns what caller may share of case caseID; an error
	// wrapping errkind.NotFound when caller may not share it (another
	// force's case, or a role that handles no cases). Opening the case is
	// audited by the case domain as any read of it.
	ShareView(ctx context.Context, caller accounts.Caller, caseID string) (CaseFacts, error)
	// ForceOf returns the force of case caseID, errkind.NotFound if none.
	ForceOf(ctx context.Context, caseID string) (string, error)
}

// Organisations looks organisations up whoever asks (accounts.Store).
type Organisations interface {
	GetOrganisation(ctx context.Context, id string) (accounts.Organisation, error)
	// AgenciesOf lists the agencies serving force forceID's area.
	AgenciesOf(ctx context.Context, forceID string) ([]accounts.Organisation, error)
}

// Pager pages whoever an organisation has on call now about one referral
// (alerts.OwnerPager); it answers how many pages got through.
type Pager interface {
	PageReferral(ctx context.Context, owner, referralID string, at time.Time) (int, error)
}

// Deps are a Service's dependencies; all but Log and Now are required.
type Deps struct {
	DB       *mongo.Database
	Keys     *fieldcrypt.Keys
	Cases    Cases
	Orgs     Organisations
	Audit    audit.Recorder
	Pager    Pager
	Calendar *Calendar
	Log      *slog.Logger
	Now      func() time.Time
}

// Service makes referrals and moves them through their steps.
type Service struct {
	d Deps
	// locks serialise the steps of one referral within this process: the
	// embedded store's read-modify-write updates could otherwise lose one
	// of two concurrent $set of one document.
	locks [64]sync.Mutex
}

// New returns the service.
func New(d Deps) (*Service, error) {
	var missing []error
	for name, dep := range map[string]bool{"DB": d.DB == nil, "Keys": d.Keys == nil, "Cases": d.Cases == nil,
		"Orgs": d.Orgs == nil, "Audit": d.Audit == nil, "Pager": d.Pager == nil, "Calendar": d.Calendar == nil} {
		if dep {
			missing = append(missing, fmt.Errorf("referrals: %s is required", name))
		}
	}
	if err := errors.Join(missing...); err != nil {
		return nil, err
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	return &Service{d: d}, nil
}

// Indexes are what this package's queries need on a real MongoDB.
func Indexes() []database.Index {
	return append([]database.Index{
		{Collection: colReferrals, Keys: bson.D{{Key: "caseId", Value: 1}, {Key: "forceId", Value: 1}, {Key: "createdAt", Value: 1}, {Key: "_id", Value: 1}}, Name: "referrals_case_created"},
		{Collection: colReferrals, Keys: bson.D{{Key: "agencyId", Value: 1}, {Key: "dueAt", Value: 1}, {Key: "_id", Value: 1}}, Name: "referrals_agency_due"},
		{Collection: colReferrals, Keys: bson.D{{Key: "agencyId", Value: 1}, {Key: "decidedAt", Value: 1}, {Key: "dueAt", Value: 1}, {Key: "_id", Value: 1}}, Name: "referrals_agency_open_due"},
		{Collection: colReferrals, Keys: bson.D{{Key: "decidedAt", Value: 1}, {Key: "dueAt", Value: 1}}, Name: "referrals_open_due"},
		{Collection: colReferrals, Keys: bson.D{{Key: "forceId", Value: 1}, {Key: "decidedAt", Value: 1}, {Key: "dueAt", Value: 1}, {Key: "_id", Value: 1}}, Name: "referrals_force_open_due"},
		{Collection: colReferrals, Keys: bson.D{{Key: "forceId", Value: 1}, {Key: "createdAt", Value: 1}}, Name: "referrals_force_shared"},
		{Collection: colEvents, Keys: bson.D{{Key: "referralId", Value: 1}, {Key: "at", Value: 1}, {Key: "_id", Value: 1}}, Name: "referral_events_referral_at"},
	}, database.Collections(colCaseLinks)...)
}

func (s *Service) lock(id string) func() {
	h := fnv.New32a()
	_, _ = h.Write([]byte(id))
	m := &s.locks[h.Sum32()%uint32(len(s.locks))]
	m.Lock()
	return m.Unlock
}

func (s *Service) now() time.Time { return s.d.Now().UTC().Truncate(time.Millisecond) }

// record appends an audit entry about case caseID; a failure is returned,
// so that nothing is shared or shown unaudited.
func (s *Service) record(ctx context.Context, actor, action, caseID string, detail map[string]string) error {
	err := s.d.Audit.Record(ctx, audit.Entry{Actor: actor, Action: action, ObjectType: "case", ObjectID: caseID, Detail: detail})
	if err != nil {
		return fmt.Errorf("referrals: audit %s: %w", action, err)
	}
	return nil
}

func errkindIsNotFound(err error) bool { return errors.Is(err, errkind.NotFound) }
