package reports

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"speaksafe/accounts"
	"speaksafe/database"
	"speaksafe/errkind"
)

// collSchoolConcerns holds one small document per concern (_id = case id)
// naming its school: a school's list of concerns is a read of these, never
// a scan of every case. It is written before the case, like the queue
// entry, and deleted with the case by the retention sweep.
const collSchoolConcerns = "school_concerns"

// fieldPupil is the sealed field that holds the Pupil of a concern.
const fieldPupil = "pupil"

// concernDoc is what a concern adds to its case document. The pupil is
// sealed, bound to the case id; the rest says nothing of who the pupil is.
type concernDoc struct {
	SchoolID    string    `bson:"schoolId"`
	RaisedBy    string    `bson:"raisedBy"`
	ObservedAt  time.Time `bson:"observedAt"`
	ParentsKnow bool      `bson:"parentsKnow"`
	ReferToMash bool      `bson:"referToMash"`
	Pupil       string    `bson:"pupil"`
}

type schoolConcernEntry struct {
	ID        string    `bson:"_id"`
	SchoolID  string    `bson:"schoolId"`
	RaisedBy  string    `bson:"raisedBy"`
	Reference string    `bson:"reference"`
	CreatedAt time.Time `bson:"createdAt"`
}

// ConcernReceipt is the answer to a raised concern.
type ConcernReceipt struct {
	// ID is the concern's id; the school reads its status by it.
	ID        string
	Reference string
	Urgent    bool
	Reasons   []Reason
	// CallEmergencyNow: the pupil is in danger now, so call 999 first.
	CallEmergencyNow bool
}

// concernRaiser returns the caller when they may raise concerns: the
// safeguarding lead or a member of staff of a school. Anyone else gets
// NotFound.
func concernRaiser(ctx context.Context) (accounts.Caller, error) {
	c, ok := accounts.CallerFrom(ctx)
	if !ok || c.OrgKind != accounts.OrgSchool || c.OrgID == "" ||
		(c.Role != accounts.RoleSafeguardingLead && c.Role != accounts.RoleSchoolStaff) {
		return accounts.Caller{}, fmt.Errorf("reports: concerns: %w", errkind.NotFound)
	}
	return c, nil
}

// RaiseConcern stores concern c of the caller's school as a case of kind
// concern in the queue of the school's force, under Idempotency-Key key
// (a retry with the same key and concern answers the same receipt; the
// same key with another concern is a Conflict). The urgency rules apply
// and an urgent concern pages exactly as an urgent report does: its alert
// is opened before the case is stored. When c.ReferToMash is set the
// referrals domain is told (see ConcernReferrer).
func (s *Store) RaiseConcern(ctx context.Context, key string, c Concern) (ConcernReceipt, error) {
	caller, err := concernRaiser(ctx)
	if err != nil {
		return ConcernReceipt{}, err
	}
	if !idemKeyPattern.MatchString(key) {
		return ConcernReceipt{}, errkind.Invalid("Idempotency-Key", "must be 16–128 letters, digits or -_.: (a fresh UUID per concern)")
	}
	c.Normalize()
	now := s.now().UTC()
	if err := c.Validate(now); err != nil {
		return ConcernReceipt{}, err
	}
	if caller.ForceID == "" {
		return ConcernReceipt{}, fmt.Errorf("reports: school %s has no force: %w", caller.OrgID, errkind.Conflict)
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), writeTimeout)
	defer cancel()

	body := concernHash(caller, &c)
	id := idemID("concern\x00" + caller.OrgID + "\x00" + key)
	a, found, err := s.loadAnswer(ctx, id)
	if err != nil {
		return ConcernReceipt{}, err
	}
	if !found {
		if a, err = s.claimConcern(ctx, id, caller, &c, body, now); err != nil {
			return ConcernReceipt{}, err
		}
	}
	if subtle.ConstantTimeCompare([]byte(a.BodyHash), []byte(body)) != 1 {
		return ConcernReceipt{}, conflict("This Idempotency-Key was already used for a different concern; use a new key for a new concern.")
	}
	return s.completeConcern(ctx, a, &c, caller, found)
}

// claimConcern draws the ids of a new concern and claims the
// idempotency record; when another request won the claim, its answer.
func (s *Store) claimConcern(ctx context.Context, id string, caller accounts.Caller, c *Concern, body string, now time.Time) (*answer, error) {
	urgent, reasons := ConcernUrgency(c, now)
	a := &answer{ForceID: caller.ForceID, Urgent: urgent, Reasons: reasons, InDangerNow: c.InDangerNow,
		CreatedAt: now, BodyHash: body}
	a, err := s.newAnswer(ctx, a)
	if err != nil {
		return nil, err
	}
	// A concern has no reporter session: its receipt (hashed into the
	// reference document by newAnswer) is never shown nor kept.
	a.Receipt = ""
	a, _, err = s.claimKey(ctx, id, a)
	return a, err
}

// completeConcern makes sure the concern's case exists (audited when this
// call stores it) and passes a MASH referral request on; resumed says an
// earlier request with the key may have started the work.
func (s *Store) completeConcern(ctx context.Context, a *answer, c *Concern, caller accounts.Caller, resumed bool) (ConcernReceipt, error) {
	exists, err := s.CaseExists(ctx, a.CaseID)
	if err != nil {
		return ConcernReceipt{}, err
	}
	if !exists {
		detail := map[string]string{"schoolId": caller.OrgID, "urgent": strconv.FormatBool(a.Urgent),
			"referToMash": strconv.FormatBool(c.ReferToMash)}
		if err := s.audit(ctx, caller.UserID, "case.concern_raised", a.CaseID, detail); err != nil {
			return ConcernReceipt{}, err
		}
		build := func() (*caseDoc, error) { return s.newConcernDoc(ctx, a, c, caller) }
		if err := s.storeCase(ctx, a, nil, build, caseStart{absent: true, resumed: resumed}); err != nil {
			return ConcernReceipt{}, err
		}
	}
	if c.ReferToMash {
		s.referConcern(ctx, ConcernReferral{CaseID: a.CaseID, Reference: a.Reference, ForceID: a.ForceID,
			SchoolID: caller.OrgID, RaisedBy: caller.UserID, Urgent: a.Urgent, At: a.CreatedAt})
	}
	return ConcernReceipt{ID: a.CaseID, Reference: a.Reference, Urgent: a.Urgent, Reasons: a.Reasons,
		CallEmergencyNow: a.InDangerNow}, nil
}

// newConcernDoc builds the case of concern c and writes the school's list
// entry for it (idempotent: a retry finds it there).
func (s *Store) newConcernDoc(ctx context.Context, a *answer, c *Concern, caller accounts.Caller) (*caseDoc, error) {
	d := &caseDoc{
		ID: a.CaseID, Reference: a.Reference, ForceID: a.ForceID, Category: c.Category,
		Urgent: a.Urgent, UrgentReasons: a.Reasons, Status: StatusNew, CreatedAt: a.CreatedAt, UpdatedAt: a.CreatedAt,
		InDangerNow: c.InDangerNow, Kind: KindConcern,
		Concern: &concernDoc{SchoolID: caller.OrgID, RaisedBy: caller.UserID, ObservedAt: c.ObservedAt,
			ParentsKnow: c.ParentsKnow, ReferToMash: c.ReferToMash},
	}
	if age, err := c.Pupil.age(a.CreatedAt); err == nil {
		d.AgeBand = ageBand(age)
	}
	var err error
	if d.WhatHappened, err = s.keys.SealString(d.ID, fieldWhatHappened, c.WhatHappened); err != nil {
		return nil, err
	}
	if d.Concern.Pupil, err = s.sealPupil(d.ID, c.Pupil); err != nil {
		return nil, err
	}
	entry := schoolConcernEntry{ID: d.ID, SchoolID: caller.OrgID, RaisedBy: caller.UserID, Reference: d.Reference,
		CreatedAt: d.CreatedAt.Truncate(time.Millisecond)}
	if _, err := s.coll(collSchoolConcerns).InsertOne(ctx, entry); err != nil && !database.IsDuplicateKey(err) {
		return nil, dbErr("insert school concern entry", err)
	}
	return d, nil
}

// concernHash fingerprints a normalised concern of the caller's school, so
// that a retry can be told from another concern under the same key.
func concernHash(caller accounts.Caller, c *Concern) string {
	b, _ := json.Marshal(struct {
		School string
		C      *concernFormat
	}{caller.OrgID, concernFormatOf(c)})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
