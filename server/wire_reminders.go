package server

import (
	"context"
	"time"

	"speaksafe/accounts"
	"speaksafe/database"
	"speaksafe/handlers"
	"speaksafe/reminders"
)

// remindersSweepInterval is how often due reminders are pushed.
const remindersSweepInterval = time.Minute

// wireReminders lists reminders to officers and supervisors and pushes
// them from a worker on the injected clock.
func (a *App) wireReminders() {
	a.w.Reminders = reminders.New(reminders.Deps{DB: a.db, Cases: a.w.Reports, Policies: a.w.OnCall, Pusher: a.w.Pusher,
		Staff: supervisors{a}, Audit: a.w.Audit, Log: a.logger, Now: a.clock})
	a.AddSetup("reminders indexes", func(ctx context.Context) error {
		return database.EnsureIndexes(ctx, a.db, reminders.Indexes())
	})
	a.AddWorker("reminders", WorkerFunc(func(ctx context.Context) {
		a.w.Reminders.Run(ctx, remindersSweepInterval)
	}))
	handlers.NewReminders(a.w.Reminders).Routes(a.Router)
}

// Reminders returns the reminders service, so that tests built without
// background workers can sweep it on an injected clock.
func (a *App) Reminders() *reminders.Service { return a.w.Reminders }

// supervisors lists a force's active supervisors from accounts.
type supervisors struct{ a *App }

func (s supervisors) Supervisors(ctx context.Context, forceID string) ([]string, error) {
	// The directory answers a caller of the force; the worker asks as one.
	ctx = accounts.WithCaller(ctx, accounts.Caller{UserID: "system", Role: accounts.RoleSupervisor,
		OrgID: forceID, OrgKind: accounts.OrgForce, ForceID: forceID})
	var out []string
	after := ""
	for {
		users, err := s.a.w.Accounts.Directory(ctx, after, 100)
		if err != nil || len(users) == 0 {
			return out, err
		}
		for _, u := range users {
			if u.Role == accounts.RoleSupervisor {
				out = append(out, u.ID)
			}
		}
		after = users[len(users)-1].ID
	}
}
