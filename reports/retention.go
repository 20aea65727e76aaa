package reports

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"speaksafe/audit"
	"speaksafe/database"
)

// SweepResult counts what one retention sweep deleted.
type SweepResult struct {
	Cases, Sessions, IdempotencyRecords int
	// QueueAdded and QueueRemoved count queue index repairs.
	QueueAdded, QueueRemoved int
	// Skipped is true when another instance holds this sweep's slot.
	Skipped bool
}

// auditActor is who deletions by the retention schedule are recorded as.
const auditActor = "system:retention"

// sweepBatch bounds the closed cases one sweep deletes, so a sweep after a
// long pause stays short; the next one carries on.
const sweepBatch = 500

// Sweep applies the retention schedule at time now: it deletes cases closed
// longer ago than ClosedCaseRetention (with their thread and reference),
// expired reporter sessions and expired idempotency records, and records
// every deletion in the audit log without content. Instances share the work
// by claiming the time slot (now truncated to interval) with an insert; a
// second instance in the same slot skips.
func (s *Store) Sweep(ctx context.Context, now time.Time, interval time.Duration) (SweepResult, error) {
	var res SweepResult
	slot := now.UTC().Truncate(interval)
	lease := bson.D{{Key: "_id", Value: "sweep:" + strconv.FormatInt(slot.Unix(), 10)}, {Key: "at", Value: now.UTC()}}
	if _, err := s.coll(collLeases).InsertOne(ctx, lease); err != nil {
		if database.IsDuplicateKey(err) {
			res.Skipped = true
			return res, nil
		}
		return res, dbErr("claim sweep", err)
	}
	_, _ = s.coll(collLeases).DeleteMany(ctx, bson.D{{Key: "at", Value: bson.D{{Key: "$lt", Value: now.Add(-24 * time.Hour)}}}})

	var err error
	if res.Cases, err = s.sweepCases(ctx, now); err != nil {
		return res, err
	}
	if res.Sessions, err = s.sweepExpired(ctx, collSessions, "reporter_session", now); err != nil {
		return res, err
	}
	if res.IdempotencyRecords, err = s.sweepExpired(ctx, collIdempotency, "report_idempotency", now); err != nil {
		return res, err
	}
	if res.QueueAdded, res.QueueRemoved, err = s.repairQueue(ctx, now); err != nil {
		return res, err
	}
	return res, nil
}

func (s *Store) sweepCases(ctx context.Context, now time.Time) (int, error) {
	filter, err := s.expiredFilter(ctx, now.Add(-s.cfg.ClosedCaseRetention))
	if err != nil {
		return 0, err
	}
	cur, err := s.coll(collCases).Find(ctx, filter,
		options.Find().SetProjection(bson.D{{Key: "reference", Value: 1}, {Key: "closedAt", Value: 1}, {Key: "forceId", Value: 1}, {Key: "version", Value: 1}}).SetLimit(sweepBatch))
	if err != nil {
		return 0, dbErr("find expired cases", err)
	}
	var docs []caseDoc
	if err := cur.All(ctx, &docs); err != nil {
		return 0, dbErr("find expired cases", err)
	}
	deleted := 0
	for _, d := range docs {
		// A hold set since the query above still wins (legalhold.go).
		hold, err := s.legalHold(ctx, d.ID)
		if err != nil {
			return deleted, err
		}
		if hold != nil {
			continue
		}
		deleted++
		// Audit first: a deletion that fails after it is retried by the next
		// sweep (and recorded again), while one never recorded would be a
		// silent gap in the log.
		if err := s.audit(ctx, auditActor, "case.deleted", d.ID, map[string]string{"reason": "retention", "closedAt": d.ClosedAt.UTC().Format(time.RFC3339)}); err != nil {
			return 0, err
		}
		// The reference goes first so the receipt stops working at once; the
		// case document goes before its events, so a half-done deletion is
		// found again and no version of a stored case can be claimed twice.
		if err := s.dropIndexEntry(ctx, d.ForceID, d.ID); err != nil {
			return 0, err
		}
		for _, step := range []struct{ coll, id string }{{collRefs, d.Reference}, {collThreads, d.ID}, {collSchoolConcerns, d.ID}, {collCases, d.ID}} {
			if _, err := s.coll(step.coll).DeleteOne(ctx, bson.D{{Key: "_id", Value: step.id}}); err != nil {
				return 0, dbErr("delete expired case", err)
			}
		}
		if err := s.deleteEvents(ctx, d.ID, d.Version); err != nil {
			return 0, err
		}
		if err := s.deleteAlertState(ctx, d.ID); err != nil {
			return 0, err
		}
		if err := s.deleteHandles(ctx, d.ID); err != nil {
			return 0, err
		}
		// The case is gone: the copies of the facts drop it (factview.go).
		if err := s.queueChanged(ctx, d.ID); err != nil {
			return 0, err
		}
	}
	if deleted > 0 {
		s.log.InfoContext(ctx, "retention: deleted closed cases", "count", deleted)
	}
	return deleted, nil
}

// sweepExpired deletes documents of coll whose expiresAt has passed. Their
// ids are hashes of secrets, so the audit log gets one line with the count.
func (s *Store) sweepExpired(ctx context.Context, coll, objectType string, now time.Time) (int, error) {
	r, err := s.coll(coll).DeleteMany(ctx, bson.D{{Key: "expiresAt", Value: bson.D{{Key: "$lte", Value: now.UTC()}}}})
	if err != nil {
		return 0, dbErr("delete expired "+objectType, err)
	}
	n := int(r.DeletedCount)
	if n == 0 {
		return 0, nil
	}
	err = s.cfg.Audit.Record(ctx, audit.Entry{Actor: auditActor, Action: objectType + ".expired_deleted", ObjectType: objectType,
		Detail: map[string]string{"count": strconv.Itoa(n), "before": now.UTC().Format(time.RFC3339)}})
	if err != nil {
		return n, fmt.Errorf("reports: audit %s deletion: %w", objectType, err)
	}
	return n, nil
}

// RunSweeper sweeps every interval until ctx ends. Errors are logged and the
// next tick tries again.
func (s *Store) RunSweeper(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if _, err := s.Sweep(ctx, s.now(), interval); err != nil && ctx.Err() == nil {
			s.log.ErrorContext(ctx, "retention sweep failed", "error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
