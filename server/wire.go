package server

import (
	"context"
)

// wiring holds what one domain's section builds and a later one needs.
// Sections run in the order below; each engineer edits only their own.
type wiring struct {
	// accounts section sets these.
	// content section sets these.
	// alerts section sets these.
	// reports section sets these.
}

// wire builds every domain: stores, indexes, seed data, routes, workers.
func (a *App) wire(ctx context.Context) error {
	// ---- accounts (organisations, users, tokens, audit, rate limits) ----

	// ---- end accounts ----

	// ---- content ----

	// ---- end content ----

	// ---- alerts (devices, on-call, alerts, push) ----

	// ---- end alerts ----

	// ---- reports ----

	// ---- end reports ----
	_ = ctx
	return nil
}
