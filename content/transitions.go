package content

import (
	"context"
	"fmt"
	"slices"

	"speaksafe/accounts"
	"speaksafe/errkind"
)

// transition loads the caller's item, checks ifMatch (0: not given) and
// lets change build the next version, which is then committed.
func (s *Store) transition(ctx context.Context, id string, ifMatch int64, action string,
	change func(c accounts.Caller, it *Item) error) (Item, error) {
	c, err := caller(ctx)
	if err != nil {
		return Item{}, err
	}
	it, err := s.getScoped(ctx, c, id)
	if err != nil {
		return Item{}, err
	}
	if ifMatch != 0 && ifMatch != it.Version {
		return Item{}, fmt.Errorf("content: item %s is at version %d: %w", id, it.Version, errkind.PreconditionFailed)
	}
	next := it
	if err := change(c, &next); err != nil {
		return Item{}, err
	}
	next.Version = it.Version + 1
	next.UpdatedBy = c.UserID
	next.UpdatedAt = s.now().UTC()
	if err := s.commit(ctx, next, action, c.UserID); err != nil {
		return Item{}, err
	}
	return next, nil
}

// Update replaces the editable fields of an item. ifMatch must be the
// version the author edited (optimistic concurrency); slug and locale
// cannot change. Editing an item in review takes it back to draft, and the
// editor joins those who may not publish it.
func (s *Store) Update(ctx context.Context, id string, ifMatch int64, d Draft) (Item, error) {
	if ifMatch == 0 {
		return Item{}, errkind.Invalid("If-Match", "send the ETag of the version you edited")
	}
	if err := d.Validate(); err != nil {
		return Item{}, err
	}
	return s.transition(ctx, id, ifMatch, ActionEdit, func(c accounts.Caller, it *Item) error {
		v := &errkind.ValidationError{}
		v.Check(d.Slug != it.Slug, "slug", "cannot change; create a new item instead")
		v.Check(d.Locale != it.Locale, "locale", "cannot change; create a new item instead")
		if err := v.Err(); err != nil {
			return err
		}
		it.Draft = d
		it.State = StateDraft
		it.Editors = addEditor(it.Editors, c.UserID)
		return nil
	})
}

// Submit asks a safeguarding lead to review a draft.
func (s *Store) Submit(ctx context.Context, id string, ifMatch int64) (Item, error) {
	return s.transition(ctx, id, ifMatch, ActionSubmit, func(_ accounts.Caller, it *Item) error {
		if it.State != StateDraft {
			return fmt.Errorf("content: item %s is %s, not a draft: %w", id, it.State, errkind.Conflict)
		}
		it.State = StateInReview
		it.ReviewComment = ""
		return nil
	})
}

// Publish makes an item in review live as a new immutable revision. Only a
// safeguarding lead of the same organisation who neither wrote nor edited
// this version may do it (four eyes).
func (s *Store) Publish(ctx context.Context, id string, ifMatch int64) (Item, error) {
	return s.transition(ctx, id, ifMatch, ActionPublish, func(c accounts.Caller, it *Item) error {
		if !canReview(c) {
			return fmt.Errorf("content: publish: %w", errkind.Forbidden)
		}
		if it.Author == c.UserID || slices.Contains(it.Editors, c.UserID) {
			return fmt.Errorf("content: item %s: authors cannot publish their own work: %w", id, errkind.Forbidden)
		}
		if it.State != StateInReview {
			return fmt.Errorf("content: item %s is %s, not in review: %w", id, it.State, errkind.Conflict)
		}
		it.State = StatePublished
		it.Revision++
		it.Live = true
		it.Editors = nil
		it.ReviewComment = ""
		return nil
	})
}

// SendBack returns an item in review to draft with the reviewer's comment.
func (s *Store) SendBack(ctx context.Context, id string, ifMatch int64, comment string) (Item, error) {
	comment = trimmed(comment)
	v := &errkind.ValidationError{}
	checkText(v, "comment", comment, MaxComment, true)
	if err := v.Err(); err != nil {
		return Item{}, err
	}
	return s.transition(ctx, id, ifMatch, ActionSendBack, func(c accounts.Caller, it *Item) error {
		if !canReview(c) {
			return fmt.Errorf("content: send back: %w", errkind.Forbidden)
		}
		if it.State != StateInReview {
			return fmt.Errorf("content: item %s is %s, not in review: %w", id, it.State, errkind.Conflict)
		}
		it.State = StateDraft
		it.ReviewComment = comment
		return nil
	})
}

// Withdraw takes a live item off the app; the feed carries a tombstone so
// that offline copies are removed too. The working copy is kept.
func (s *Store) Withdraw(ctx context.Context, id string, ifMatch int64) (Item, error) {
	return s.transition(ctx, id, ifMatch, ActionWithdraw, func(c accounts.Caller, it *Item) error {
		if !canReview(c) {
			return fmt.Errorf("content: withdraw: %w", errkind.Forbidden)
		}
		if !it.Live {
			return fmt.Errorf("content: item %s is not live: %w", id, errkind.Conflict)
		}
		it.Live = false
		it.State = StateWithdrawn
		return nil
	})
}
