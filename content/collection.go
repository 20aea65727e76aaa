package content

import (
	"context"
	"crypto/rand"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"speaksafe/accounts"
	"speaksafe/audit"
	"speaksafe/database"
	"speaksafe/errkind"
)

// joinAlphabet leaves out characters that are easy to confuse when read
// aloud or copied from a board: 0/O/Q, 1/I/L, 2/Z, 5/S, 8/B, G.
const joinAlphabet = "34679ACDEFHJKMNPRTUVWXY"

// joinLen characters from a 23-letter alphabet carry 10·log2(23) ≈ 45 bits.
const joinLen = 10

// MaxCollection is the most items one school collection holds.
const MaxCollection = 100

// Collection is a school's ordered list of live items, shared with its
// pupils by join code.
type Collection struct {
	SchoolID  string    `bson:"_id"`
	Items     []string  `bson:"items"` // item ids, in the order staff chose
	JoinCode  string    `bson:"joinCode"`
	Version   int64     `bson:"version"`
	UpdatedBy string    `bson:"updatedBy"`
	UpdatedAt time.Time `bson:"updatedAt"`
}

type joinCodeDoc struct {
	Code      string    `bson:"_id"`
	SchoolID  string    `bson:"schoolId"`
	CreatedAt time.Time `bson:"createdAt"`
}

// newJoinCode draws joinLen characters uniformly from joinAlphabet.
func newJoinCode() string {
	var b strings.Builder
	n := big.NewInt(int64(len(joinAlphabet)))
	for range joinLen {
		i, err := rand.Int(rand.Reader, n)
		if err != nil {
			panic(err) // crypto/rand does not fail on supported platforms
		}
		b.WriteByte(joinAlphabet[i.Int64()])
	}
	return b.String()
}

// FormatJoinCode groups a code in fives for reading aloud.
func FormatJoinCode(code string) string {
	if len(code) != joinLen {
		return code
	}
	return code[:5] + "-" + code[5:]
}

// NormaliseJoinCode accepts what a child types (any case, spaces, hyphens)
// and returns the stored form, or ok false if it cannot be a code.
func NormaliseJoinCode(in string) (string, bool) {
	if len(in) > 40 {
		return "", false
	}
	var b strings.Builder
	for _, r := range strings.ToUpper(in) {
		switch {
		case r == ' ' || r == '-':
		case strings.ContainsRune(joinAlphabet, r):
			b.WriteRune(r)
		default:
			return "", false
		}
	}
	return b.String(), b.Len() == joinLen
}

// schoolOf returns the caller's school, or NotFound for anyone else.
func schoolOf(ctx context.Context) (accounts.Caller, error) {
	c, err := caller(ctx)
	if err != nil {
		return c, err
	}
	if c.OrgKind != accounts.OrgSchool || c.OrgID == "" {
		return c, fmt.Errorf("content: collection: %w", errkind.NotFound)
	}
	return c, nil
}

// MyCollection returns the caller's school collection, creating it (with
// a join code) on first use.
func (s *Store) MyCollection(ctx context.Context) (Collection, error) {
	c, err := schoolOf(ctx)
	if err != nil {
		return Collection{}, err
	}
	return s.ensureCollection(ctx, c.OrgID, c.UserID)
}

func (s *Store) getCollection(ctx context.Context, school string) (Collection, error) {
	return database.FindByID[Collection](ctx, s.db.Collection(colCollections), school,
		fmt.Errorf("content: collection: %w", errkind.NotFound))
}

// collectionOfCode returns the collection join code opens: notFound for
// a malformed, unknown or rotated-away code.
func (s *Store) collectionOfCode(ctx context.Context, code string, notFound error) (Collection, error) {
	norm, ok := NormaliseJoinCode(code)
	if !ok {
		return Collection{}, notFound
	}
	jc, err := database.FindByID[joinCodeDoc](ctx, s.db.Collection(colJoinCodes), norm, notFound)
	if err != nil {
		return Collection{}, err
	}
	col, err := s.getCollection(ctx, jc.SchoolID)
	if err != nil || col.JoinCode != norm {
		return Collection{}, notFound
	}
	return col, nil
}

func (s *Store) ensureCollection(ctx context.Context, school, actor string) (Collection, error) {
	col, err := s.getCollection(ctx, school)
	if err == nil || !isNotFound(err) {
		return col, err
	}
	code, err := s.claimJoinCode(ctx, school)
	if err != nil {
		return Collection{}, err
	}
	col = Collection{SchoolID: school, Items: []string{}, JoinCode: code, Version: 1, UpdatedBy: actor, UpdatedAt: s.now().UTC()}
	_, err = s.db.Collection(colCollections).InsertOne(ctx, col)
	if database.IsDuplicateKey(err) { // another request created it first
		s.dropJoinCode(ctx, code)
		return s.getCollection(ctx, school)
	}
	if err != nil {
		return Collection{}, fmt.Errorf("content: create collection: %w", err)
	}
	return col, nil
}

// claimJoinCode inserts a fresh code as the _id of its lookup document, so
// a child's lookup is one indexed read and two schools never share a code.
func (s *Store) claimJoinCode(ctx context.Context, school string) (string, error) {
	for range 5 {
		code := newJoinCode()
		_, err := s.db.Collection(colJoinCodes).InsertOne(ctx, joinCodeDoc{Code: code, SchoolID: school, CreatedAt: s.now().UTC()})
		if err == nil {
			return code, nil
		}
		if !database.IsDuplicateKey(err) {
			return "", fmt.Errorf("content: join code: %w", err)
		}
	}
	return "", fmt.Errorf("content: join code: no free code: %w", errkind.Unavailable)
}

func (s *Store) dropJoinCode(ctx context.Context, code string) {
	if _, err := s.db.Collection(colJoinCodes).DeleteOne(ctx, bson.D{{Key: "_id", Value: code}}); err != nil {
		// Harmless: lookups also check the collection's current code.
		s.log.Warn("content: could not delete an old join code", "error", err)
	}
}

// RotateJoinCode gives the caller's school a new join code; the old one
// stops working at once.
func (s *Store) RotateJoinCode(ctx context.Context) (Collection, error) {
	c, err := schoolOf(ctx)
	if err != nil {
		return Collection{}, err
	}
	col, err := s.ensureCollection(ctx, c.OrgID, c.UserID)
	if err != nil {
		return Collection{}, err
	}
	code, err := s.claimJoinCode(ctx, c.OrgID)
	if err != nil {
		return Collection{}, err
	}
	old := col.JoinCode
	col.JoinCode, col.Version, col.UpdatedBy, col.UpdatedAt = code, col.Version+1, c.UserID, s.now().UTC()
	err = s.auditCollection(ctx, c.UserID, "content.join_code_rotate", col)
	if err == nil {
		err = s.replaceCollection(ctx, col)
	}
	if err != nil {
		database.Release(ctx, s.log, s.db.Collection(colJoinCodes), code)
		return Collection{}, err
	}
	s.dropJoinCode(ctx, old)
	return col, nil
}

// SetCollection replaces the ordered items of the caller's school
// collection. ifMatch is the collection version the staff member saw.
func (s *Store) SetCollection(ctx context.Context, ifMatch int64, items []string) (Collection, error) {
	c, err := schoolOf(ctx)
	if err != nil {
		return Collection{}, err
	}
	v := &errkind.ValidationError{}
	v.Check(ifMatch == 0, "If-Match", "send the ETag of the collection you edited")
	v.Check(len(items) > MaxCollection, "items", fmt.Sprintf("at most %d items", MaxCollection))
	snap := s.current(ctx)
	for i, id := range items {
		v.Check(snap.live[id] == nil || !snap.live[id].mayCollect(c.OrgID), fmt.Sprintf("items[%d]", i), "is not a published item")
		v.Check(slices.Index(items, id) != i, fmt.Sprintf("items[%d]", i), "is listed twice")
	}
	if err := v.Err(); err != nil {
		return Collection{}, err
	}
	col, err := s.ensureCollection(ctx, c.OrgID, c.UserID)
	if err != nil {
		return Collection{}, err
	}
	if col.Version != ifMatch {
		return Collection{}, fmt.Errorf("content: collection is at version %d: %w", col.Version, errkind.PreconditionFailed)
	}
	col.Items, col.Version, col.UpdatedBy, col.UpdatedAt = slices.Clone(items), col.Version+1, c.UserID, s.now().UTC()
	if err := s.auditCollection(ctx, c.UserID, "content.collection_set", col); err != nil {
		return Collection{}, err
	}
	if err := s.replaceCollection(ctx, col); err != nil {
		return Collection{}, err
	}
	return col, nil
}

// replaceCollection writes col if the stored version is still the one
// before it. On MongoDB this is atomic; on the embedded store two staff
// saving in the same instant may both succeed (last write wins).
func (s *Store) replaceCollection(ctx context.Context, col Collection) error {
	res, err := s.db.Collection(colCollections).ReplaceOne(ctx,
		bson.D{{Key: "_id", Value: col.SchoolID}, {Key: "version", Value: col.Version - 1}}, col)
	if err != nil {
		return fmt.Errorf("content: save collection: %w", err)
	}
	if res.MatchedCount == 0 {
		return fmt.Errorf("content: collection changed meanwhile: %w", errkind.PreconditionFailed)
	}
	return nil
}

// SharedCollection is what a join code shows: the live items of one
// school's collection in order. Withdrawn items drop out by themselves.
type SharedCollection struct {
	SchoolID string
	Items    []Summary
	Version  int64
	Seq      int64
}

// CollectionByCode returns the collection a join code opens. Unknown,
// malformed and rotated-away codes are all NotFound.
func (s *Store) CollectionByCode(ctx context.Context, code string) (SharedCollection, error) {
	col, err := s.collectionOfCode(ctx, code, fmt.Errorf("content: join code: %w", errkind.NotFound))
	if err != nil {
		return SharedCollection{}, err
	}
	snap := s.current(ctx)
	out := SharedCollection{SchoolID: col.SchoolID, Items: []Summary{}, Version: col.Version, Seq: snap.seq}
	for _, id := range col.Items {
		if sum := snap.live[id]; sum != nil && sum.mayCollect(col.SchoolID) {
			out.Items = append(out.Items, *sum)
		}
	}
	return out, nil
}

// auditCollection records a change of col before it is saved; an error
// means it must not be.
func (s *Store) auditCollection(ctx context.Context, actor, action string, col Collection) error {
	// The code itself is a credential of sorts: the audit log gets the version only.
	err := s.audit.Record(ctx, audit.Entry{Actor: actor, Action: action, ObjectType: "content_collection", ObjectID: col.SchoolID,
		Detail: map[string]string{"version": fmt.Sprint(col.Version), "items": fmt.Sprint(len(col.Items))}})
	if err != nil {
		return fmt.Errorf("content: audit %s: %w", action, err)
	}
	return nil
}

func isNotFound(err error) bool { return errorsIs(err, errkind.NotFound) }
