package server

import (
	"context"
	"time"

	"speaksafe/content"
	"speaksafe/handlers"
)

// contentViewFlush is how often aggregated view counts are written.
const contentViewFlush = 30 * time.Second

// wireContent builds the content store (seed library, in-memory published
// catalogue), its routes and the view-count flusher. It needs the accounts
// section (audit log, rate limits).
func (a *App) wireContent() error {
	a.w.Content = content.New(a.db, a.logger, a.clock, a.w.Audit, content.Options{})
	a.AddSetup("content indexes, seed library and catalogue", a.w.Content.Start)
	a.AddWorker("content view counts", WorkerFunc(func(ctx context.Context) {
		a.w.Content.RunViewFlusher(ctx, contentViewFlush)
	}))
	handlers.NewContent(a.w.Content).Routes(a.Router)
	handlers.NewHelplines().Routes(a.Router)
	handlers.NewContentStaff(a.w.Content).Routes(a.Router)
	handlers.NewSchools(a.w.Content, a.w.Limits, a.w.Accounts).Routes(a.Router)
	handlers.NewForces(a.w.Accounts).Routes(a.Router)
	return nil
}
