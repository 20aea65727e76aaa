package handlers_test

import (
	"context"
	"strings"
	"testing"

	"speaksafe/apptest"
	"speaksafe/audit"
)

// auditActions returns every audited action, after checking the chain.
func auditActions(t *testing.T, app *apptest.App) string {
	t.Helper()
	log := audit.New(app.DB, nil, nil)
	if _, err := log.Verify(context.Background()); err != nil {
		t.Fatalf("audit chain: %v", err)
	}
	recs, err := log.Entries(context.Background(), 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, r := range recs {
		b.WriteString(r.Action + " ")
	}
	return b.String()
}
