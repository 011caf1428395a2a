// Package web is Kracht's web front: the public pages of each cooperative, the account
// pages every mail links to, and the member portal. Pages are rendered on the server
// with html/template from files embedded in the binary, work without JavaScript, and
// call the domain services directly, never the JSON API.
//
// Routes are plain Fiber handlers mounted beside the API (Mount). Every page gets the
// same frame: a language, a session read from a signed cookie, a CSRF token for its
// forms, and one place that turns a domain error into a message in the reader's
// language (errors.go).
package web

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"embed"
	"log/slog"
	"net/url"
	"regexp"
	"strings"
	"time"
	_ "time/tzdata" // Europe/Amsterdam on machines without a zoneinfo database

	"github.com/gofiber/fiber/v2"
	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/cooperative/bonds"
	"github.com/kracht-coop/kracht/cooperative/distribution"
	"github.com/kracht-coop/kracht/cooperative/fund"
	"github.com/kracht-coop/kracht/cooperative/identity"
	"github.com/kracht-coop/kracht/cooperative/membership"
	"github.com/kracht-coop/kracht/cooperative/payments"
	"github.com/kracht-coop/kracht/cooperative/shares"
)

//go:embed templates static messages
var assets embed.FS

// Options are what the pages need: the domain services (the same ones the API uses),
// the clock, and the key that signs session cookies and CSRF tokens.
type Options struct {
	Store         cooperative.Store
	Logger        *slog.Logger
	Now           func() time.Time
	Accounts      *identity.Accounts
	Members       *membership.Members
	Registry      *shares.Registry
	Payments      *payments.Payments
	Bonds         *bonds.Bonds
	Distributions *distribution.Distributions
	Fund          *fund.Fund
	// Checkout starts Stripe Checkout sessions and bank-transfer instructions; without it
	// the payment pages offer nothing but say so.
	Checkout *payments.Checkout
	// Key signs session cookies and CSRF tokens (at least 32 bytes). cmd derives it from
	// the access-token signing key, so every replica agrees.
	Key []byte
	// PublicURL is where people reach Kracht (KRACHT_PUBLIC_URL): its origin is the only
	// one a form may be posted from, Stripe returns there, and an https URL makes the
	// cookies Secure.
	PublicURL string
	// ClientIP tells the client's address from a request (the API's rule, trusted proxies
	// included); the remote address when nil.
	ClientIP func(*fiber.Ctx) string
	// UnsubscribeSecret checks the tokens of mails' unsubscribe links (the /unsubscribe page).
	UnsubscribeSecret []byte
}

// Web is the web front.
type Web struct {
	opts   Options
	log    *slog.Logger
	now    func() time.Time
	pages  *pages
	msgs   catalogue
	zone   *time.Location
	origin string
	secure bool
	key    []byte
	routes []string
	paths  *regexp.Regexp
}

// New builds the web front. It panics when a service is missing or the templates or
// messages do not load: both are fixed at build time, so that is a bug cmd's tests catch.
func New(opts Options) *Web {
	if opts.Accounts == nil || opts.Members == nil || opts.Registry == nil || opts.Store == nil || opts.Payments == nil ||
		opts.Bonds == nil || opts.Distributions == nil || opts.Fund == nil {
		panic("web: New needs the Store and the Accounts, Members, Registry, Payments, Bonds, Distributions and Fund services")
	}
	if len(opts.Key) < 32 {
		panic("web: the cookie key must be at least 32 bytes")
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.ClientIP == nil {
		opts.ClientIP = func(c *fiber.Ctx) string { return c.IP() }
	}
	zone, err := time.LoadLocation("Europe/Amsterdam")
	if err != nil {
		panic("web: " + err.Error())
	}
	msgs, err := loadCatalogue(assets)
	if err != nil {
		panic("web: " + err.Error())
	}
	w := &Web{opts: opts, log: opts.Logger, now: opts.Now, msgs: msgs, zone: zone}
	// One key per use, so a session cookie's MAC can never pass for a CSRF token.
	w.key = derive(opts.Key, "kracht web cookies")
	if u, err := url.Parse(opts.PublicURL); err == nil && u.Host != "" {
		w.origin = u.Scheme + "://" + u.Host
		w.secure = u.Scheme == "https"
	}
	if w.pages, err = loadPages(assets, w.funcs(), msgs); err != nil {
		panic("web: " + err.Error())
	}
	return w
}

func derive(key []byte, purpose string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(purpose))
	return m.Sum(nil)
}

// Mount adds every page to app. The API's routes are under /v1, /openapi, /docs and
// the health checks; the web front has the rest.
func (w *Web) Mount(app *fiber.App) {
	r := &router{app: app, w: w}
	app.Get("/static/*", w.static)
	r.routes = append(r.routes, "/static/*")
	r.post("/logout", w.logout)
	w.publicRoutes(r)
	w.accountRoutes(r)
	w.memberRoutes(r)
	w.actionRoutes(r)
	w.routes = r.routes
	w.paths = pathPattern(w.routes)
}

// Routes are the paths Mount added (the API's route test leaves them out).
func (w *Web) Routes() []string { return w.routes }

// Owns says whether path is one of the web front's pages (a form posted there is the
// web's to read).
func (w *Web) Owns(path string) bool { return w.paths != nil && w.paths.MatchString(path) }

// Answers says whether an error on this request (an unknown path, a body refused) is
// answered with a page rather than a problem+json: on a page of ours, or when a browser
// asks for HTML anywhere outside the API.
func (w *Web) Answers(c *fiber.Ctx) bool {
	path := c.Path()
	if w.Owns(path) {
		return true
	}
	for _, p := range []string{"/v1/", "/openapi", "/docs", "/schemas/", "/healthz", "/readyz", "/livez", "/metrics"} {
		if strings.HasPrefix(path, p) {
			return false
		}
	}
	return strings.Contains(c.Get(fiber.HeaderAccept), "text/html")
}

// pathPattern matches every route of Mount: ":param" is one segment, "*" the rest.
func pathPattern(routes []string) *regexp.Regexp {
	alts := make([]string, 0, len(routes))
	for _, r := range routes {
		parts := strings.Split(r, "/")
		for i, part := range parts {
			switch {
			case strings.HasPrefix(part, ":"):
				parts[i] = "[^/]+"
			case part == "*":
				parts[i] = ".*"
			default:
				parts[i] = regexp.QuoteMeta(part)
			}
		}
		alts = append(alts, strings.Join(parts, "/"))
	}
	return regexp.MustCompile("^(?:" + strings.Join(alts, "|") + ")$")
}

// router registers pages, each wrapped in the frame (handle) and remembered for Routes.
type router struct {
	app    *fiber.App
	w      *Web
	routes []string
}

// get and post add a page; a POST is checked for its CSRF token and origin first.
func (r *router) get(path string, fn pageFunc)  { r.add(fiber.MethodGet, path, fn) }
func (r *router) post(path string, fn pageFunc) { r.add(fiber.MethodPost, path, fn) }

func (r *router) add(method, path string, fn pageFunc) {
	r.app.Add(method, path, r.w.handle(fn))
	r.routes = append(r.routes, path)
}

// pageFunc is a page's handler: it reads the request through req and answers with
// req.render, req.redirect or an error (a domain error becomes an error page).
type pageFunc func(req *request) error

// ctx is the request's context.
func (req *request) ctx() context.Context { return req.c.UserContext() }
