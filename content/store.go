package content

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"speaksafe/audit"
	"speaksafe/database"
	"speaksafe/errkind"
)

// Collections.
const (
	colItems       = "content_items"       // working copies (a materialised head of colEvents)
	colEvents      = "content_events"      // every change to an item, _id "<item>:<version>"
	colRevisions   = "content_revisions"   // published revisions, _id "<item>:<rev>"
	colChanges     = "content_changes"     // the changes feed, _id = database.SeqKey(sequence number)
	colSlugs       = "content_slugs"       // slug claims, _id "<locale>/<slug>"
	colCollections = "content_collections" // school collections, _id = school id
	colJoinCodes   = "content_join_codes"  // join code lookups, _id = code
	colViews       = "content_views"       // view counters, _id "<kind>:<id>:<yyyy-mm>"
)

// Indexes are the secondary indexes the content store needs on MongoDB.
// Public reads never query by these: they are served from the in-memory
// catalogue or by _id. Staff listings filter by organisation and state.
func Indexes() []database.Index {
	return append([]database.Index{
		{Collection: colItems, Name: "org_updated", Keys: bson.D{{Key: "orgId", Value: 1}, {Key: "updatedAt", Value: -1}}},
		{Collection: colItems, Name: "org_state_updated", Keys: bson.D{{Key: "orgId", Value: 1}, {Key: "state", Value: 1}, {Key: "updatedAt", Value: -1}}},
		{Collection: colRevisions, Name: "item_revision", Keys: bson.D{{Key: "itemId", Value: 1}, {Key: "revision", Value: -1}}},
		{Collection: colJoinCodes, Name: "school", Keys: bson.D{{Key: "schoolId", Value: 1}}},
	}, database.Collections(colChanges, colCollections, colEvents, colSlugs, colViews)...)
}

// Options tune a Store.
type Options struct {
	// RefreshEvery is how often a read checks MongoDB for changes made by
	// other instances (one lookup by _id). Default 2s.
	RefreshEvery time.Duration
}

// Store keeps content in MongoDB and serves the published catalogue from
// memory. It is safe for concurrent use.
type Store struct {
	db     *mongo.Database
	log    *slog.Logger
	now    func() time.Time
	audit  audit.Recorder
	render *Renderer
	every  time.Duration

	snap      atomic.Pointer[snapshot]
	refreshMu sync.Mutex // one refresh at a time
	lastCheck atomic.Int64

	revMu    sync.Mutex
	revCache map[string]Revision // immutable, so never stale
	views    *viewCounter
}

// New returns a Store. Call Start before serving.
func New(db *mongo.Database, logger *slog.Logger, now func() time.Time, auditor audit.Recorder, opts Options) *Store {
	if opts.RefreshEvery <= 0 {
		opts.RefreshEvery = 2 * time.Second
	}
	s := &Store{db: db, log: logger, now: now, audit: auditor, render: NewRenderer(),
		every: opts.RefreshEvery, revCache: map[string]Revision{}}
	s.snap.Store(emptySnapshot())
	s.views = newViewCounter(db, now)
	return s
}

// Start creates indexes, loads the seed library (never overwriting items
// staff have edited) and reads the published catalogue into memory.
func (s *Store) Start(ctx context.Context) error {
	if err := database.EnsureIndexes(ctx, s.db, Indexes()); err != nil {
		return err
	}
	if _, err := database.MigrateSeqKeys(ctx, s.db.Collection(colChanges)); err != nil {
		return fmt.Errorf("content: %w", err)
	}
	if err := s.load(ctx); err != nil {
		return err
	}
	return s.Seed(ctx)
}

// load reads the whole changes feed once (the only scan, at start) and
// builds the catalogue from it.
func (s *Store) load(ctx context.Context) error {
	cur, err := s.db.Collection(colChanges).Find(ctx, bson.D{})
	if err != nil {
		return fmt.Errorf("content: load changes: %w", err)
	}
	var all []Change
	if err := cur.All(ctx, &all); err != nil {
		return fmt.Errorf("content: load changes: %w", err)
	}
	slices.SortFunc(all, func(a, b Change) int { return int(a.Seq - b.Seq) })
	s.refreshMu.Lock()
	defer s.refreshMu.Unlock()
	s.snap.Store(emptySnapshot().with(all))
	s.lastCheck.Store(s.now().UnixNano())
	return nil
}

// current returns the catalogue, first catching up with changes other
// instances made when the last check is older than RefreshEvery. A failed
// check serves the catalogue as it is: content stays readable while
// MongoDB is briefly away.
func (s *Store) current(ctx context.Context) *snapshot {
	if s.now().UnixNano()-s.lastCheck.Load() >= int64(s.every) && s.refreshMu.TryLock() {
		if err := s.catchUp(ctx); err != nil {
			s.log.Warn("content: catalogue refresh failed", "error", err)
		}
		s.refreshMu.Unlock()
	}
	return s.snap.Load()
}

// sync catches up at once; used after this instance wrote a change.
func (s *Store) sync(ctx context.Context) error {
	s.refreshMu.Lock()
	defer s.refreshMu.Unlock()
	return s.catchUp(ctx)
}

// catchUp reads feed entries after the catalogue's position, by _id one at
// a time: usually a single lookup that finds nothing. Entries are claimed
// in order (n+1 is only tried once n exists), so the first miss is the end.
// The caller holds refreshMu.
func (s *Store) catchUp(ctx context.Context) error {
	snap := s.snap.Load()
	var got []Change
	// Bounded so that one request never pays for a long backlog; the rest
	// is read on the next check.
	for seq := snap.seq + 1; seq <= snap.seq+maxCatchUp; seq++ {
		c, err := database.FindByID[Change](ctx, s.db.Collection(colChanges), database.SeqKey(seq), errNoChange)
		if errors.Is(err, errNoChange) {
			break
		}
		if err != nil {
			return fmt.Errorf("content: read change %d: %w", seq, err)
		}
		got = append(got, c)
	}
	if len(got) > 0 {
		s.snap.Store(snap.with(got))
	}
	s.lastCheck.Store(s.now().UnixNano())
	return nil
}

// errNoChange is catchUp's end of the feed.
var errNoChange = errors.New("content: no such change")

// maxCatchUp is the most feed entries one check reads.
const maxCatchUp = 1000

// appendChange claims the next feed position for c and applies it locally.
func (s *Store) appendChange(ctx context.Context, c Change) error {
	if err := s.sync(ctx); err != nil {
		return err
	}
	c.At = s.now().UTC()
	for seq := s.snap.Load().seq + 1; ; seq++ {
		c.Key, c.Seq = database.SeqKey(seq), seq
		_, err := s.db.Collection(colChanges).InsertOne(ctx, c)
		if err == nil {
			break
		}
		if !database.IsDuplicateKey(err) {
			return fmt.Errorf("content: append change: %w", err)
		}
	}
	return s.sync(ctx)
}

// List returns a page of live items matching q.
func (s *Store) List(ctx context.Context, q ListQuery) (Page, error) {
	if err := q.Validate(); err != nil {
		return Page{}, err
	}
	return s.current(ctx).list(q), nil
}

// Changes returns what was published or withdrawn after the cursor since
// ("" for the whole feed). A cursor from an instance that is further along
// than this one yields an empty page with the same cursor, never a gap.
func (s *Store) Changes(ctx context.Context, since string) (ChangesPage, error) {
	seq, err := decodeSeqCursor(since)
	if err != nil {
		return ChangesPage{}, err
	}
	snap := s.current(ctx)
	if seq > snap.seq {
		if err := s.sync(ctx); err != nil {
			return ChangesPage{}, err
		}
		snap = s.snap.Load()
	}
	if seq > snap.seq {
		return ChangesPage{Changes: []Change{}, Next: since}, nil
	}
	return snap.changesSince(seq), nil
}

// Seq returns the feed position of the catalogue served now.
func (s *Store) Seq(ctx context.Context) int64 { return s.current(ctx).seq }

// Published returns the live revision of slug in locale.
func (s *Store) Published(ctx context.Context, slug, locale string) (Revision, error) {
	sum, ok := s.current(ctx).bySlug[locale+"/"+slug]
	if !ok {
		return Revision{}, fmt.Errorf("content: %s/%s: %w", locale, truncate(slug, 80), errkind.NotFound)
	}
	return s.revision(ctx, sum.ItemID, sum.Revision)
}

func (s *Store) revision(ctx context.Context, itemID string, rev int) (Revision, error) {
	id := revisionID(itemID, rev)
	s.revMu.Lock()
	r, ok := s.revCache[id]
	s.revMu.Unlock()
	if ok {
		return r, nil
	}
	r, err := database.FindByID[Revision](ctx, s.db.Collection(colRevisions), id,
		fmt.Errorf("content: revision %s: %w", id, errkind.NotFound))
	if err != nil {
		return Revision{}, err
	}
	s.revMu.Lock()
	if len(s.revCache) >= 2000 { // bound memory; revisions are cheap to re-read
		clear(s.revCache)
	}
	s.revCache[id] = r
	s.revMu.Unlock()
	return r, nil
}
