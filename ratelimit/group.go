package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"time"

	"speaksafe/database"
)

// localGroup is a window's group id kept in memory (embedded mode).
type localGroup struct {
	id  string
	end time.Time
}

type groupDoc struct {
	ID        string    `bson:"_id"`
	Group     string    `bson:"group"`
	ExpiresAt time.Time `bson:"expiresAt"`
}

// Group returns the random id shared by every caller that asks for key in
// bucket during the current window: the first caller draws it, everyone
// after gets the same one, on every instance. It is kept beside the counts
// of that window and swept with them; it is random, so it says nothing of
// the key (a keyed hash of a client address, say) it was drawn for.
func (l *Limiter) Group(ctx context.Context, bucket, key string, window time.Duration) (string, error) {
	if window <= 0 {
		return "", errors.New("ratelimit: bad window")
	}
	_, id, end := l.window("group|"+bucket, key, window)
	fresh := database.NewID()
	if l.local {
		return l.localGroup(id, fresh, end), nil
	}
	return l.sharedGroup(ctx, groupDoc{ID: id, Group: fresh, ExpiresAt: end})
}

func (l *Limiter) localGroup(id, fresh string, end time.Time) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if g := l.groups[id]; g != nil {
		return g.id
	}
	l.groups[id] = &localGroup{id: fresh, end: end}
	return fresh
}

// sharedGroup claims the window's group by inserting its deterministic _id;
// a caller that loses the race reads the winner's id.
func (l *Limiter) sharedGroup(ctx context.Context, doc groupDoc) (string, error) {
	coll := l.db.Collection(collection)
	_, err := coll.InsertOne(ctx, doc)
	if err == nil {
		return doc.Group, nil
	}
	if !database.IsDuplicateKey(err) {
		return "", fmt.Errorf("ratelimit: group: %w", err)
	}
	got, err := database.FindByID[groupDoc](ctx, coll, doc.ID, errGroupVanished)
	if err != nil {
		return "", fmt.Errorf("ratelimit: group: %w", err)
	}
	return got.Group, nil
}

// errGroupVanished: the group that won the claim was gone when read.
var errGroupVanished = errors.New("ratelimit: group claimed but not found")
