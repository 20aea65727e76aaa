package content

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"speaksafe/accounts"
	"speaksafe/audit"
	"speaksafe/database"
	"speaksafe/errkind"
)

// Workflow actions, as recorded in item history and the audit log.
const (
	ActionCreate   = "create"
	ActionEdit     = "edit"
	ActionSubmit   = "submit"
	ActionPublish  = "publish"
	ActionSendBack = "send_back"
	ActionWithdraw = "withdraw"
	ActionPromote  = "promote"
	actionSeed     = "seed"
)

// event is one immutable change to an item. Inserting "<item>:<version>"
// is the exclusive claim on that version: of two racing edits exactly one
// wins, on real MongoDB and on the embedded store alike. The item document
// is a copy of the latest event's snapshot.
type event struct {
	ID      string    `bson:"_id"`
	ItemID  string    `bson:"itemId"`
	Version int64     `bson:"version"`
	Action  string    `bson:"action"`
	Actor   string    `bson:"actor"`
	At      time.Time `bson:"at"`
	Item    Item      `bson:"item"`
}

func eventID(itemID string, version int64) string {
	return itemID + ":" + strconv.FormatInt(version, 10)
}

// caller returns the member of staff in ctx, or Unauthorized.
func caller(ctx context.Context) (accounts.Caller, error) {
	c, ok := accounts.CallerFrom(ctx)
	if !ok {
		return accounts.Caller{}, fmt.Errorf("content: no caller: %w", errkind.Unauthorized)
	}
	return c, nil
}

// scope is the organisation whose items the caller may see: their own, or
// the SpeakSafe library ("") for admins. ok is false for roles that do not
// author content.
func scope(c accounts.Caller) (org string, ok bool) {
	switch c.Role {
	case accounts.RoleAdmin:
		return "", true
	case accounts.RoleSchoolStaff, accounts.RoleSafeguardingLead:
		return c.OrgID, c.OrgID != ""
	}
	return "", false
}

// canReview says whether c may publish, send back or withdraw org's items.
func canReview(c accounts.Caller) bool {
	return c.Role == accounts.RoleSafeguardingLead || c.Role == accounts.RoleAdmin
}

// Create starts a new draft owned by the caller's organisation.
func (s *Store) Create(ctx context.Context, d Draft) (Item, error) {
	c, err := caller(ctx)
	if err != nil {
		return Item{}, err
	}
	org, ok := scope(c)
	if !ok {
		return Item{}, fmt.Errorf("content: create: %w", errkind.Forbidden)
	}
	if err := d.Validate(); err != nil {
		return Item{}, err
	}
	now := s.now().UTC()
	it := Item{ID: database.NewID(), Draft: d, State: StateDraft, OrgID: org, Author: c.UserID, Editors: []string{c.UserID},
		Version: 1, UpdatedBy: c.UserID, UpdatedAt: now, CreatedAt: now}
	slug := d.Locale + "/" + d.Slug
	claim := slugClaim{ID: slug, ItemID: it.ID, ClaimedAt: now}
	err = database.Claim(ctx, s.log, s.db.Collection(colSlugs), slug, claim, func(ctx context.Context) error {
		return s.commit(ctx, it, ActionCreate, c.UserID)
	})
	if errors.Is(err, database.ErrClaimed) {
		return Item{}, fmt.Errorf("content: slug %s is taken: %w", slug, errkind.Conflict)
	}
	if err != nil {
		return Item{}, err
	}
	return it, nil
}

// slugClaim holds a locale/slug for one item.
type slugClaim struct {
	ID        string    `bson:"_id"`
	ItemID    string    `bson:"itemId"`
	ClaimedAt time.Time `bson:"claimedAt"`
}

func (s *Store) claimSlug(ctx context.Context, locale, slug, itemID string) error {
	_, err := s.db.Collection(colSlugs).InsertOne(ctx, slugClaim{ID: locale + "/" + slug, ItemID: itemID, ClaimedAt: s.now().UTC()})
	if database.IsDuplicateKey(err) {
		return fmt.Errorf("content: slug %s/%s is taken: %w", locale, slug, errkind.Conflict)
	}
	if err != nil {
		return fmt.Errorf("content: claim slug: %w", err)
	}
	return nil
}

// Get returns an item of the caller's organisation. Items of other
// organisations are NotFound, exactly like items that do not exist.
func (s *Store) Get(ctx context.Context, id string) (Item, error) {
	c, err := caller(ctx)
	if err != nil {
		return Item{}, err
	}
	return s.getScoped(ctx, c, id)
}

// getScoped reads by _id (the only indexed lookup on the embedded store)
// and then applies the organisation scope; a compound filter would scan.
func (s *Store) getScoped(ctx context.Context, c accounts.Caller, id string) (Item, error) {
	org, ok := scope(c)
	if !ok {
		return Item{}, fmt.Errorf("content: item: %w", errkind.NotFound)
	}
	it, err := s.loadItem(ctx, id)
	if err != nil {
		return Item{}, err
	}
	if it.OrgID != org {
		return Item{}, fmt.Errorf("content: item %s: %w", id, errkind.NotFound)
	}
	return it, nil
}

// loadItem reads the item and rolls it forward over any event whose
// effects were interrupted (the process died between claim and write).
func (s *Store) loadItem(ctx context.Context, id string) (Item, error) {
	it, err := database.FindByID[Item](ctx, s.db.Collection(colItems), id, nil)
	if err != nil {
		return Item{}, fmt.Errorf("content: item %s: %w", id, err)
	}
	for {
		ev, err := database.FindByID[event](ctx, s.db.Collection(colEvents), eventID(id, it.Version+1), nil)
		if err != nil {
			return Item{}, fmt.Errorf("content: item %s history: %w", id, err)
		}
		if ev.ID == "" {
			break
		}
		if err := s.apply(ctx, ev); err != nil {
			return Item{}, err
		}
		it = ev.Item
	}
	if it.Version == 0 {
		return Item{}, fmt.Errorf("content: item %s: %w", id, errkind.NotFound)
	}
	return it, nil
}

// commit records the change in the audit log, claims next.Version for the
// item and then carries out its effects. Losing the claim means someone
// else changed the item first; an entry that cannot be written means no
// change (a claimed event would be rolled forward, so the entry comes
// first).
func (s *Store) commit(ctx context.Context, next Item, action, actor string) error {
	detail := map[string]string{"version": strconv.FormatInt(next.Version, 10), "state": string(next.State),
		"slug": next.Slug, "locale": next.Locale}
	if action == ActionPublish {
		detail["revision"] = strconv.Itoa(next.Revision)
	}
	if err := s.audit.Record(ctx, audit.Entry{Actor: actor, Action: "content." + action,
		ObjectType: "content_item", ObjectID: next.ID, Detail: detail}); err != nil {
		return fmt.Errorf("content: audit %s: %w", action, err)
	}
	ev := event{ID: eventID(next.ID, next.Version), ItemID: next.ID, Version: next.Version,
		Action: action, Actor: actor, At: next.UpdatedAt, Item: next}
	_, err := s.db.Collection(colEvents).InsertOne(ctx, ev)
	if database.IsDuplicateKey(err) {
		return fmt.Errorf("content: item %s changed meanwhile: %w", next.ID, errkind.PreconditionFailed)
	}
	if err != nil {
		return fmt.Errorf("content: item %s: %w", next.ID, err)
	}
	return s.apply(ctx, ev)
}

// apply carries out an event's effects; every step is idempotent, so a
// roll-forward may repeat it.
func (s *Store) apply(ctx context.Context, ev event) error {
	it := ev.Item
	switch ev.Action {
	case ActionPublish, actionSeed, ActionPromote:
		rev := s.renderRevision(it, ev.Actor)
		if _, err := s.db.Collection(colRevisions).InsertOne(ctx, rev); err != nil && !database.IsDuplicateKey(err) {
			return fmt.Errorf("content: store revision %s: %w", rev.ID, err)
		}
		if err := s.appendChange(ctx, Change{Kind: ChangePublished, Summary: rev.Summary}); err != nil {
			return err
		}
	case ActionWithdraw:
		c := Change{Kind: ChangeWithdrawn, Summary: Summary{ItemID: it.ID, Slug: it.Slug, Locale: it.Locale,
			Revision: it.Revision, OrgID: it.OrgID, UpdatedAt: it.UpdatedAt, Promoted: it.Promoted}}
		if err := s.appendChange(ctx, c); err != nil {
			return err
		}
	}
	_, err := s.db.Collection(colItems).ReplaceOne(ctx, bson.D{{Key: "_id", Value: it.ID}}, it, options.Replace().SetUpsert(true))
	if err != nil {
		return fmt.Errorf("content: item %s: %w", it.ID, err)
	}
	return nil
}

func (s *Store) renderRevision(it Item, publisher string) Revision {
	plain := s.render.Text(it.Body)
	return Revision{
		ID: revisionID(it.ID, it.Revision),
		Summary: Summary{ItemID: it.ID, Slug: it.Slug, Locale: it.Locale, Title: it.Title, Summary: it.Summary,
			AgeBands: it.AgeBands, Topics: it.Topics, Helplines: it.Helplines, ReadingMinutes: ReadingMinutes(plain),
			Revision: it.Revision, OrgID: it.OrgID, UpdatedAt: it.UpdatedAt, Promoted: it.Promoted},
		Body: it.Body, HTML: s.render.HTML(it.Body), Text: plain,
		PublishedBy: publisher, Author: it.Author, ItemVersion: it.Version,
	}
}

// ListOwn returns the items of the caller's organisation, newest first,
// optionally in one state. Staff-only and small, so a filtered query (an
// index on MongoDB, a scan of content_items on the embedded store) is fine.
func (s *Store) ListOwn(ctx context.Context, state State) ([]Item, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	org, ok := scope(c)
	if !ok {
		return []Item{}, nil
	}
	filter := bson.D{{Key: "orgId", Value: org}}
	if state != "" {
		if !slices.Contains([]State{StateDraft, StateInReview, StatePublished, StateWithdrawn}, state) {
			return nil, errkind.Invalid("state", "must be draft, in_review, published or withdrawn")
		}
		filter = append(filter, bson.E{Key: "state", Value: string(state)})
	}
	opts := options.Find().SetSort(bson.D{{Key: "updatedAt", Value: -1}}).SetLimit(500)
	cur, err := s.db.Collection(colItems).Find(ctx, filter, opts)
	if err != nil {
		return nil, fmt.Errorf("content: list own: %w", err)
	}
	out := []Item{}
	if err := cur.All(ctx, &out); err != nil {
		return nil, fmt.Errorf("content: list own: %w", err)
	}
	return out, nil
}

func addEditor(editors []string, id string) []string {
	if slices.Contains(editors, id) {
		return editors
	}
	return append(slices.Clip(editors), id)
}

// trimmed returns comment without surrounding space.
func trimmed(comment string) string { return strings.TrimSpace(comment) }

func isConflict(err error) bool     { return errors.Is(err, errkind.Conflict) }
func isPrecondition(err error) bool { return errors.Is(err, errkind.PreconditionFailed) }

func errorsIs(err, target error) bool { return errors.Is(err, target) }
