package handlers

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"html/template"
	"path"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// The API reference at /docs is Stoplight Elements (handlers/docs/elements, vendored from
// npm with its licence), served from the binary: huma's own docs page loads it from a
// CDN, which leaves a blank page where there is no internet.
//
//go:embed docs/kracht.css docs/elements/web-components.min.js docs/elements/styles.min.css
var docsFiles embed.FS

// docsAsset is one file the page loads. Its URL carries a hash of its content, so a
// browser may keep it for a year and still gets the new one after an upgrade.
type docsAsset struct {
	body        []byte
	contentType string
	url         string
}

// docsTypes are the assets' content types, fixed here rather than taken from the
// system's MIME table, which differs between machines.
var docsTypes = map[string]string{".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}

// docsCSP lets the page load its own script and stylesheets and fetch the API
// description (and the requests of "try it") from this server, and nothing else.
const docsCSP = "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'; " +
	"script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'"

var docsPage = template.Must(template.New("docs").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<link rel="icon" href="/static/kracht.svg" type="image/svg+xml">
<link rel="stylesheet" href="{{.Styles}}">
<link rel="stylesheet" href="{{.Page}}">
<script src="{{.Script}}" data-auto-add-css="false"></script>
</head>
<body>
<elements-api apiDescriptionUrl="/openapi.json" router="hash" layout="sidebar" tryItCredentialsPolicy="same-origin"></elements-api>
</body>
</html>
`))

// docs serves the reference page and its assets.
type docs struct {
	page   []byte
	assets map[string]docsAsset // by URL
}

func newDocs(title string) *docs {
	d := &docs{assets: map[string]docsAsset{}}
	urls := map[string]string{}
	for _, name := range []string{"docs/kracht.css", "docs/elements/web-components.min.js", "docs/elements/styles.min.css"} {
		b, err := docsFiles.ReadFile(name)
		if err != nil {
			panic(err) // embedded: cannot happen
		}
		sum := sha256.Sum256(b)
		a := docsAsset{body: b, contentType: docsTypes[path.Ext(name)],
			url: "/docs/assets/" + hex.EncodeToString(sum[:8]) + "/" + path.Base(name)}
		d.assets[a.url] = a
		urls[path.Base(name)] = a.url
	}
	var page strings.Builder
	err := docsPage.Execute(&page, map[string]string{"Title": title, "Styles": urls["styles.min.css"],
		"Page": urls["kracht.css"], "Script": urls["web-components.min.js"]})
	if err != nil {
		panic(err)
	}
	d.page = []byte(page.String())
	return d
}

func (d *docs) mount(app *fiber.App) {
	app.Get("/docs", d.serve)
	app.Get("/docs/assets/:hash/:name", d.asset)
}

func (d *docs) serve(c *fiber.Ctx) error {
	c.Set("Content-Security-Policy", docsCSP)
	c.Set("X-Content-Type-Options", "nosniff")
	c.Set("Cache-Control", "no-cache")
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return c.Send(d.page)
}

func (d *docs) asset(c *fiber.Ctx) error {
	a, ok := d.assets[c.Path()]
	if !ok {
		return fiber.ErrNotFound
	}
	c.Set("X-Content-Type-Options", "nosniff")
	c.Set("Cache-Control", "public, max-age=31536000, immutable")
	c.Set(fiber.HeaderContentType, a.contentType)
	return c.Send(a.body)
}
