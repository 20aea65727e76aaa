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

	"speaksafe/apptest"
	"speaksafe/handlers"
)

// A request whose client went away (its context cancelled, however deeply
// wrapped) is answered 499 and not logged as a failure; a real failure
// still is a 500 logged at ERROR.
func TestClientGoneIsNotAServerError(t *testing.T) {
	t.Parallel()
	logs := &apptest.LogBuffer{}
	app := fiber.New(fiber.Config{ErrorHandler: handlers.ErrorHandler(slog.New(slog.NewJSONHandler(logs, nil)))})
	app.Get("/gone", func(*fiber.Ctx) error {
		return fmt.Errorf("reports: load case: %w", errors.Join(errors.New("driver: read"), context.Canceled))
	})
	app.Get("/broken", func(*fiber.Ctx) error { return errors.New("reports: something broke") })
	for _, tt := range []struct {
		path      string
		status    int
		loggedErr bool
	}{{"/gone", 499, false}, {"/broken", http.StatusInternalServerError, true}} {
		before := strings.Count(logs.String(), `"level":"ERROR"`)
		res, err := app.Test(httptest.NewRequest(http.MethodGet, tt.path, nil), -1)
		if err != nil {
			t.Fatal(err)
		}
		_ = res.Body.Close()
		if res.StatusCode != tt.status || res.Header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("%s: got %d %s, want %d problem+json", tt.path, res.StatusCode, res.Header.Get("Content-Type"), tt.status)
		}
		if logged := strings.Count(logs.String(), `"level":"ERROR"`) > before; logged != tt.loggedErr {
			t.Errorf("%s: logged at ERROR %v, want %v; logs: %s", tt.path, logged, tt.loggedErr, logs.String())
		}
	}
}
