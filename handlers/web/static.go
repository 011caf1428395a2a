package web

import (
	"io/fs"
	"mime"
	"path"

	"github.com/gofiber/fiber/v2"
)

// static serves the stylesheet and images embedded in the binary. They change only with
// a release, so a browser may keep them for a day.
func (w *Web) static(c *fiber.Ctx) error {
	name := path.Clean("/" + c.Params("*"))
	b, err := fs.ReadFile(assets, "static"+name)
	if err != nil {
		return w.Fallback(c, fiber.ErrNotFound)
	}
	c.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'")
	c.Set("X-Content-Type-Options", "nosniff")
	c.Set("Cache-Control", "public, max-age=86400")
	c.Set(fiber.HeaderContentType, mime.TypeByExtension(path.Ext(name)))
	return c.Send(b)
}
