package devices

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"speaksafe/database"
)

// colMarks holds one small document per user (_id = user id) whose mark is
// rewritten with a fresh random value after every change of that user's
// devices. A user's device list, which only a query on userId can find (a
// scan of every device on the embedded store), is kept per instance with
// the mark it was read under, and served again while the mark, read by
// _id, is unchanged: the alert engine resolves a tier's phones at O(1).
//
// Why it is correct with several instances: a reader reads the mark before
// the list, and every writer rewrites the mark after changing a device, so
// a list read under a mark already holds every change made before that
// mark was written; any later change writes a new mark. Marks are never
// counted or updated in place, so two writers racing cannot lose a change.
const colMarks = "device_marks"

// maxListed bounds the users whose device lists an instance keeps.
const maxListed = 10_000

type markDoc struct {
	ID   string `bson:"_id"`
	Mark string `bson:"mark"`
}

// userLists is this instance's copy of users' device lists.
type userLists struct {
	mu sync.Mutex
	m  map[string]listed
}

type listed struct {
	mark string
	devs []Device
}

func (l *userLists) get(userID, mark string) ([]Device, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	e, ok := l.m[userID]
	if !ok || e.mark != mark {
		return nil, false
	}
	return slices.Clone(e.devs), true
}

func (l *userLists) put(userID, mark string, devs []Device) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.m == nil || len(l.m) >= maxListed {
		l.m = map[string]listed{}
	}
	l.m[userID] = listed{mark: mark, devs: slices.Clone(devs)}
}

func (l *userLists) drop(userID string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.m, userID)
}

// touch records that user userID's devices changed: a fresh mark. Called
// after the change; an error leaves other instances' copies stale, so it
// is returned to the caller (whose retry touches again).
func (s *Devices) touch(ctx context.Context, userID string) error {
	s.lists.drop(userID)
	doc := markDoc{ID: userID, Mark: database.NewID()}
	filter := bson.D{{Key: "_id", Value: userID}}
	_, err := s.db.Collection(colMarks).ReplaceOne(ctx, filter, doc, options.Replace().SetUpsert(true))
	if database.IsDuplicateKey(err) { // a racing first upsert: replace it
		_, err = s.db.Collection(colMarks).ReplaceOne(ctx, filter, doc)
	}
	if err != nil {
		return fmt.Errorf("devices: mark devices of %s changed: %w", userID, err)
	}
	return nil
}

// mark returns user userID's current mark, giving a user who has none
// (devices stored before marks) a first one.
func (s *Devices) mark(ctx context.Context, userID string) (string, error) {
	for range 3 {
		m, err := database.FindByID[markDoc](ctx, s.db.Collection(colMarks), userID, nil)
		if err != nil {
			return "", fmt.Errorf("devices: devices mark of %s: %w", userID, err)
		}
		if m.Mark != "" {
			return m.Mark, nil
		}
		// Insert, never replace: a writer's mark must not be overwritten.
		first := markDoc{ID: userID, Mark: database.NewID()}
		_, err = s.db.Collection(colMarks).InsertOne(ctx, first)
		if err == nil {
			return first.Mark, nil
		}
		if !database.IsDuplicateKey(err) {
			return "", fmt.Errorf("devices: devices mark of %s: %w", userID, err)
		}
	}
	return "", fmt.Errorf("devices: devices mark of %s: not readable", userID)
}
