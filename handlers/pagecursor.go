package handlers

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"speaksafe/errkind"
)

// pageCursor reads where a list page starts: the `next` of the previous
// page, sent as `cursor` as on every list. The older name `after` is still
// understood; both at once must agree.
func pageCursor(c *fiber.Ctx) (string, error) {
	cursor, after := c.Query("cursor"), c.Query("after")
	if cursor != "" && after != "" && cursor != after {
		return "", errkind.Invalid("after", "send the cursor once, as cursor")
	}
	if cursor == "" {
		cursor = after
	}
	return strings.Clone(cursor), nil
}
