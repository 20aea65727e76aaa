package handlers_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/x/mongo/driver/topology"

	"speaksafe/accounts"
	"speaksafe/apptest"
	"speaksafe/handlers"
)

// Only a store that cannot be reached or did not answer in time is a 503
// the client may retry; any other driver error is a 500 logged at ERROR, and
// a client that went away is a 499 however the driver wrapped it.
func TestDriverErrorsAreNotAllUnavailable(t *testing.T) {
	t.Parallel()
	logs := &apptest.LogBuffer{}
	app := fiber.New(fiber.Config{ErrorHandler: handlers.ErrorHandler(slog.New(slog.NewJSONHandler(logs, nil)))})
	for _, tt := range []struct {
		name   string
		err    error
		status int
	}{
		{"server-selection", topology.ServerSelectionError{Wrapped: errors.New("connection refused")}, http.StatusServiceUnavailable},
		{"deadline", fmt.Errorf("reports: queue: %w", context.DeadlineExceeded), http.StatusServiceUnavailable},
		{"network", mongo.CommandError{Message: "reset", Labels: []string{"NetworkError"}}, http.StatusServiceUnavailable},
		{"bad-value", fmt.Errorf("reports: queue: %w", mongo.CommandError{Code: 2, Name: "BadValue", Message: "bad"}), http.StatusInternalServerError},
		{"decode", fmt.Errorf("accounts: user u: %w", errors.New("error decoding key tokenVersion")), http.StatusInternalServerError},
		{"network-cancelled", mongo.CommandError{Message: "read", Labels: []string{"NetworkError"}, Wrapped: context.Canceled}, 499},
	} {
		err := tt.err
		app.Get("/"+tt.name, func(*fiber.Ctx) error { return err })
		res, terr := app.Test(httptest.NewRequest(http.MethodGet, "/"+tt.name, nil), -1)
		if terr != nil {
			t.Fatal(terr)
		}
		_ = res.Body.Close()
		if res.StatusCode != tt.status {
			t.Errorf("%s: got %d, want %d", tt.name, res.StatusCode, tt.status)
		}
	}
}

// A staff user's record that the store cannot decode is a fault of ours:
// the request answers 500 (logged at ERROR), not 401 (which would send the
// officer to sign in again, in vain) and not 503 (which would have the app
// retry forever).
func TestUnreadableUserRecordIsAServerError(t *testing.T) {
	t.Parallel()
	a := apptest.New(t, apptest.WithoutWorkers())
	force := a.CreateForce(t, "")
	officer := a.Staff(t, accounts.RoleOfficer, force.ID)
	if res := a.Get(t, "/v1/me", officer.Token); res.Status != http.StatusOK {
		t.Fatalf("before: got %d, want 200", res.Status)
	}
	_, err := a.DB.Collection("users").UpdateOne(context.Background(), bson.D{{Key: "_id", Value: officer.ID}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "tokenVersion", Value: "not a number"}}}})
	if err != nil {
		t.Fatal(err)
	}
	res := a.Get(t, "/v1/me", officer.Token)
	if res.Status != http.StatusInternalServerError {
		t.Errorf("got %d %s, want 500", res.Status, res.Body)
	}
	if !strings.Contains(a.Logs.String(), `"level":"ERROR","msg":"request failed"`) {
		t.Errorf("the failure was not logged at ERROR; logs: %s", a.Logs.String())
	}
}
