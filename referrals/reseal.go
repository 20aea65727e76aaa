package referrals

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"speaksafe/database"
	"speaksafe/errkind"
	"speaksafe/fieldcrypt"
)

// SealedPlaces lists the collections and fields this package seals, with
// the field naming the record each value belongs to, for the operator's
// key census (verify-keys, rekey).
func SealedPlaces() [][3]string {
	return [][3]string{
		{colReferrals, sealSummary, "_id"}, {colReferrals, sealReason, "_id"},
		{colReferrals, sealBasisNote, "_id"}, {colReferrals, sealShared, "_id"},
		{colReferrals, sealOutcome, "_id"}, {colEvents, sealText, "referralId"}, {colEvents, sealOutcome, "referralId"},
	}
}

// Reseal re-encrypts every sealed value of referral id (and of its steps)
// that is not under the current data key, and answers how many it
// rewrote. Values written once are rewritten alone by _id; a run cut short
// or racing a decision can simply run again (rekey says so).
func Reseal(ctx context.Context, db *mongo.Database, keys *fieldcrypt.Keys, id string) (int, error) {
	d, err := database.FindByID[bson.M](ctx, db.Collection(colReferrals), id, errkind.NotFound)
	if err != nil {
		return 0, fmt.Errorf("referrals: reseal %s: %w", id, err)
	}
	set := bson.D{}
	for _, f := range []string{sealSummary, sealReason, sealBasisNote, sealShared, sealOutcome} {
		v, changed, err := resealed(keys, id, f, d[f])
		if err != nil {
			return 0, err
		}
		if changed {
			set = append(set, bson.E{Key: f, Value: v})
		}
	}
	n := len(set)
	if n > 0 {
		if _, err := db.Collection(colReferrals).UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, bson.D{{Key: "$set", Value: set}}); err != nil {
			return 0, fmt.Errorf("referrals: reseal %s: %w", id, err)
		}
	}
	k, err := resealEvents(ctx, db, keys, id)
	return n + k, err
}

func resealEvents(ctx context.Context, db *mongo.Database, keys *fieldcrypt.Keys, id string) (int, error) {
	cur, err := db.Collection(colEvents).Find(ctx, bson.D{{Key: "referralId", Value: id}})
	if err != nil {
		return 0, fmt.Errorf("referrals: reseal steps of %s: %w", id, err)
	}
	var evs []eventDoc
	if err := cur.All(ctx, &evs); err != nil {
		return 0, fmt.Errorf("referrals: reseal steps of %s: %w", id, err)
	}
	n := 0
	for _, e := range evs {
		set, err := resealedStep(keys, e)
		if err != nil {
			return n, err
		}
		if len(set) == 0 {
			continue
		}
		_, err = db.Collection(colEvents).UpdateOne(ctx, bson.D{{Key: "_id", Value: e.ID}}, bson.D{{Key: "$set", Value: set}})
		if err != nil {
			return n, fmt.Errorf("referrals: reseal step %s: %w", e.ID, err)
		}
		n += len(set)
	}
	return n, nil
}

// resealedStep answers the sealed fields of step e that are not under the
// current key, sealed again: its text (bound to the step) and a
// decision's outcome (bound to the referral, as on the referral itself).
func resealedStep(keys *fieldcrypt.Keys, e eventDoc) (bson.D, error) {
	var set bson.D
	for _, f := range []struct{ record, field, value string }{
		{e.ID, sealText, e.Text}, {e.ReferralID, sealOutcome, e.Outcome}} {
		v, changed, err := resealed(keys, f.record, f.field, f.value)
		if err != nil {
			return nil, err
		}
		if changed {
			set = append(set, bson.E{Key: f.field, Value: v})
		}
	}
	return set, nil
}

// resealed answers v under the current key, and whether it changed.
func resealed(keys *fieldcrypt.Keys, recordID, field string, raw any) (string, bool, error) {
	v, _ := raw.(string)
	if v == "" || fieldcrypt.KeyID(v) == keys.CurrentKeyID() {
		return v, false, nil
	}
	plain, err := keys.Open(recordID, field, v)
	if err != nil {
		return "", false, fmt.Errorf("referrals: open %s of %s: %w", field, recordID, err)
	}
	out, err := keys.Seal(recordID, field, plain)
	if err != nil {
		return "", false, fmt.Errorf("referrals: seal %s of %s: %w", field, recordID, err)
	}
	return out, true, nil
}
