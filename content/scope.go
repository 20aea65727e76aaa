package content

import (
	"context"
	"fmt"
	"time"

	"speaksafe/accounts"
	"speaksafe/errkind"
)

// A school's own published items stay in the school: they are listed, fed
// and read only through that school's collection (its join code), unless
// a national reviewer (an admin) promotes them. Library items (no
// organisation) and promoted items are national: in the list, the changes
// feed and GET /v1/content/{slug} for every child.

// national reports whether the item is shown to every child.
func (s *Summary) national() bool { return s.OrgID == "" || s.Promoted }

// mayCollect reports whether a school may put the item in its collection:
// national items and its own.
func (s *Summary) mayCollect(schoolID string) bool { return s.national() || s.OrgID == schoolID }

// ViewCollectionItem counts reads of an item through one school's
// collection, keyed "<schoolID>/<itemID>".
const ViewCollectionItem = "collection_item"

// Promote makes a school's live item national (admin only, audited as
// content.promote). Promoting it again changes nothing; a library item, or
// one not live, is a Conflict.
func (s *Store) Promote(ctx context.Context, id string) (Item, error) {
	c, err := caller(ctx)
	if err != nil {
		return Item{}, err
	}
	if c.Role != accounts.RoleAdmin {
		return Item{}, fmt.Errorf("content: promote: %w", errkind.Forbidden)
	}
	it, err := s.loadItem(ctx, id)
	if err != nil {
		return Item{}, err
	}
	switch {
	case it.OrgID == "":
		return Item{}, fmt.Errorf("content: item %s is in the national library already: %w", id, errkind.Conflict)
	case !it.Live:
		return Item{}, fmt.Errorf("content: item %s is not live: %w", id, errkind.Conflict)
	case it.Promoted:
		return it, nil
	}
	next := it
	next.Promoted = true
	next.Version = it.Version + 1
	next.UpdatedBy, next.UpdatedAt = c.UserID, s.now().UTC()
	if err := s.commit(ctx, next, ActionPromote, c.UserID); err != nil {
		return Item{}, err
	}
	return next, nil
}

// CollectionItem returns the live revision of slug in locale as the school
// with join code shares it: the item must be in that school's collection
// (library items included). The read counts for the item and for the
// school's collection. Anything else is NotFound.
func (s *Store) CollectionItem(ctx context.Context, code, slug, locale string) (Revision, error) {
	notFound := fmt.Errorf("content: collection item: %w", errkind.NotFound)
	col, err := s.collectionOfCode(ctx, code, notFound)
	if err != nil {
		return Revision{}, err
	}
	snap := s.current(ctx)
	for _, id := range col.Items {
		sum := snap.live[id]
		if sum == nil || sum.Slug != slug || sum.Locale != locale || !sum.mayCollect(col.SchoolID) {
			continue
		}
		rev, err := s.revision(ctx, sum.ItemID, sum.Revision)
		if err != nil {
			return Revision{}, err
		}
		s.CountView(ViewItem, sum.ItemID)
		s.CountView(ViewCollectionItem, col.SchoolID+"/"+sum.ItemID)
		return rev, nil
	}
	return Revision{}, notFound
}

// collectionItemStats returns the views of each item of school's
// collection read through that collection, library items included.
func (s *Store) collectionItemStats(ctx context.Context, school string, from, to time.Time) ([]ItemStats, error) {
	col, err := s.getCollection(ctx, school)
	if isNotFound(err) {
		return []ItemStats{}, nil
	}
	if err != nil {
		return nil, err
	}
	snap := s.current(ctx)
	out := []ItemStats{}
	for _, id := range col.Items {
		sum := snap.live[id]
		if sum == nil {
			continue
		}
		vs, err := s.viewStats(ctx, ViewCollectionItem, school+"/"+id, from, to)
		if err != nil {
			return nil, err
		}
		vs.ID = id
		out = append(out, ItemStats{Slug: sum.Slug, Locale: sum.Locale, Title: sum.Title, ViewStats: vs})
	}
	return out, nil
}
