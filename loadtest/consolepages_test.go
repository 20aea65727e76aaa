package main

import (
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"

	"speaksafe/console"
)

// TestEveryConsolePageIsMeasured fails on a console GET route that the
// console row neither requests nor lists as left out, and on a listed page
// the console no longer has.
func TestEveryConsolePageIsMeasured(t *testing.T) {
	c, err := console.New(console.Deps{})
	if err != nil {
		t.Fatal(err)
	}
	c.Routes(fiber.New())
	routes := map[string]bool{}
	for key := range c.Policies() {
		if path, ok := strings.CutPrefix(key, fiber.MethodGet+" "); ok {
			routes[path] = true
		}
	}
	listed := map[string]bool{}
	for _, p := range consolePages {
		listed[p.route] = true
	}
	for path := range consoleNotMeasured {
		listed[path] = true
	}
	for path := range routes {
		if !listed[path] {
			t.Errorf("console page GET %s is not in consolePages (loadtest/consolepages.go)", path)
		}
	}
	for path := range listed {
		if !routes[path] {
			t.Errorf("loadtest/consolepages.go lists GET %s, which the console does not serve", path)
		}
	}
}
