package handlers

import (
	"net/http/httptest"
	"regexp"
	"testing"

	"github.com/gofiber/fiber/v2"
)

func TestRequestIDsAreUniqueUnorderedAndIgnoreTheClients(t *testing.T) {
	t.Parallel()
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Use(RequestIDs())
	app.Get("/", func(c *fiber.Ctx) error { return c.SendString(RequestID(c)) })
	shape := regexp.MustCompile(`^[0-9a-f]{24}$`)
	seen := map[string]bool{}
	var prev string
	ascending := 0
	for i := range 300 {
		req := httptest.NewRequest("GET", "/", nil)
		req.Header.Set("X-Request-ID", "marker-from-the-client")
		res, err := app.Test(req)
		if err != nil {
			t.Fatal(err)
		}
		id := res.Header.Get("X-Request-ID")
		body := make([]byte, 64)
		n, _ := res.Body.Read(body)
		if !shape.MatchString(id) || string(body[:n]) != id {
			t.Fatalf("request %d: header %q, RequestID %q; want the same 24 hex digits", i, id, body[:n])
		}
		if seen[id] {
			t.Fatalf("request %d: id %s given twice", i, id)
		}
		seen[id] = true
		if id > prev {
			ascending++
		}
		prev = id
	}
	// A counter would ascend every time; enciphered, about half the time.
	if ascending > 250 {
		t.Errorf("ids ascended %d times of 300: they reveal the order of requests", ascending)
	}
}
