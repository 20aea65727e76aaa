package reminders

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"speaksafe/alerts"
	"speaksafe/database"
)

// collPushes holds one document per reminder push made, _id
// "<reminderID>:<stage>": inserting it claims the push, so each reminder
// is pushed once per stage whichever instance sweeps first.
const collPushes = "reminder_pushes"

// pushRetention is how long push claims are kept; a reminder older than
// that is pushed again only if it is still waiting after a restart of
// the whole history, which is harmless.
const pushRetention = 90 * 24 * time.Hour

// Push stages.
const (
	stageOfficer     = "officer"
	stageSupervisors = "supervisors"
)

type pushDoc struct {
	ID      string    `bson:"_id"`
	ForceID string    `bson:"forceId"`
	CaseID  string    `bson:"caseId"`
	At      time.Time `bson:"at"`
}

// Indexes are the MongoDB indexes of this package.
func Indexes() []database.Index {
	return append([]database.Index{{Collection: collPushes, Name: "at", Keys: bson.D{{Key: "at", Value: 1}}}},
		database.Collections(collSettings)...)
}

// Sweep pushes every reminder that is due in every force: to the assigned
// officer when it falls due, to the force's supervisors EscalateAfter
// later (at once when nobody is assigned). It answers how many pushes it
// claimed.
func (s *Service) Sweep(ctx context.Context) (int, error) {
	now := s.d.Now().UTC()
	forces, err := s.d.Cases.OpenForces(ctx)
	if err != nil {
		return 0, fmt.Errorf("reminders: sweep: %w", err)
	}
	claimed := 0
	var errs []error
	for _, f := range forces {
		n, err := s.sweepForce(ctx, f, now)
		claimed += n
		errs = append(errs, err)
	}
	_, err = s.d.DB.Collection(collPushes).DeleteMany(ctx, bson.D{{Key: "at", Value: bson.D{{Key: "$lt", Value: now.Add(-pushRetention)}}}})
	errs = append(errs, err)
	return claimed, errors.Join(errs...)
}

func (s *Service) sweepForce(ctx context.Context, forceID string, now time.Time) (int, error) {
	rems, set, err := s.forceReminders(ctx, forceID, now)
	if err != nil {
		return 0, err
	}
	claimed := 0
	for _, r := range rems {
		if r.AssignedTo != "" {
			ok, err := s.push(ctx, forceID, r, stageOfficer, []string{r.AssignedTo}, now)
			if err != nil {
				return claimed, err
			}
			if ok {
				claimed++
			}
			if now.Before(r.DueAt.Add(set.EscalateAfter)) {
				continue
			}
		}
		sups, err := s.d.Staff.Supervisors(ctx, forceID)
		if err != nil {
			return claimed, fmt.Errorf("reminders: supervisors of %s: %w", forceID, err)
		}
		ok, err := s.push(ctx, forceID, r, stageSupervisors, sups, now)
		if err != nil {
			return claimed, err
		}
		if ok {
			claimed++
		}
	}
	return claimed, nil
}

// push claims stage of reminder r and pushes it to users; false when
// another sweep claimed it before.
func (s *Service) push(ctx context.Context, forceID string, r Reminder, stage string, users []string, now time.Time) (bool, error) {
	_, err := s.d.DB.Collection(collPushes).InsertOne(ctx, pushDoc{ID: r.ID + ":" + stage, ForceID: forceID, CaseID: r.CaseID, At: now})
	if database.IsDuplicateKey(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("reminders: claim push: %w", err)
	}
	ref := alerts.ReminderRef{ID: r.ID, CaseID: r.CaseID}
	for _, u := range users {
		if _, err := s.d.Pusher.Push(ctx, u, ref); err != nil {
			s.d.Log.WarnContext(ctx, "reminder not pushed", "reminder_id", r.ID, "user_id", u, "error", err)
		}
	}
	s.d.Log.InfoContext(ctx, "reminder pushed", "reminder_id", r.ID, "case_id", r.CaseID, "stage", stage, "users", len(users))
	return true, nil
}

// Run sweeps every interval until ctx ends.
func (s *Service) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if _, err := s.Sweep(ctx); err != nil && ctx.Err() == nil {
			s.d.Log.ErrorContext(ctx, "reminder sweep failed", "error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
