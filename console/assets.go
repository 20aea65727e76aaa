package console

import (
	"embed"
	"mime"
	"path"

	"github.com/gofiber/fiber/v2"

	"speaksafe/handlers"
)

//go:embed assets
var assetFS embed.FS

// assetRoutes serves the embedded stylesheet and script: nothing comes
// from another origin, so the console works on a closed network.
func (c *Console) assetRoutes() {
	c.add(fiber.MethodGet, "/static/:name", handlers.Public(), func(ctx *fiber.Ctx) error {
		name := path.Base(ctx.Params("name"))
		b, err := assetFS.ReadFile("assets/" + name)
		if err != nil {
			return fiber.ErrNotFound
		}
		ctx.Set(fiber.HeaderContentType, mime.TypeByExtension(path.Ext(name)))
		ctx.Set(fiber.HeaderCacheControl, "public, max-age=3600")
		return ctx.Send(b)
	})
}
