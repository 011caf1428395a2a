// Package handlers turns HTTP into calls of the cooperative domain: one Fiber app, whose
// routes are declared with huma so the OpenAPI document is generated from the code.
package handlers

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"sync/atomic"
	"time"

	"github.com/kracht-coop/kracht/cooperative/bonds"
	"github.com/kracht-coop/kracht/cooperative/distribution"
	"github.com/kracht-coop/kracht/cooperative/fund"
	"github.com/kracht-coop/kracht/cooperative/identity"
	"github.com/kracht-coop/kracht/cooperative/membership"
	"github.com/kracht-coop/kracht/cooperative/payments"
	"github.com/kracht-coop/kracht/cooperative/payouts"
	"github.com/kracht-coop/kracht/cooperative/shares"
	"github.com/kracht-coop/kracht/handlers/web"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humafiber"
	gojson "github.com/goccy/go-json"
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/recover"
	"github.com/kracht-coop/kracht/cooperative"
)

// Options are what the HTTP layer needs from the rest of the program.
type Options struct {
	Store   cooperative.Store
	Logger  *slog.Logger
	Version string
	// BodyLimit is the largest request body accepted, in bytes.
	BodyLimit int
	// Now is the clock (tests pin it); time.Now when nil.
	Now func() time.Time
	// Auth configures sign-in and access tokens.
	Auth AuthOptions
	// Payments configures Stripe and bank statement imports (payments.go).
	Payments PaymentOptions
	// Accounts (sign-in, sessions, invitations, roles), Members (statutes, members),
	// Registry (offerings, the share register) and PaymentService (Stripe's events, bank
	// statements, the review queue) are the domain services the routes call. Required:
	// cmd/kracht builds them; the HTTP layer builds no domain service.
	Accounts       *identity.Accounts
	Members        *membership.Members
	Registry       *shares.Registry
	PaymentService *payments.Payments
	// Payouts (payables, batches, bank files) is the payout service.
	Payouts *payouts.Payouts
	// Bonds (bond issues, subscriptions, the bond register) is the bonds service.
	Bonds *bonds.Bonds
	// Distributions (settings, appropriations, elections) is the distribution service.
	Distributions *distribution.Distributions
	// Fund (the community fund's rounds, proposals, ballots) is the fund service.
	Fund *fund.Fund
	// PublicURL is where people reach the web pages (KRACHT_PUBLIC_URL): forms are
	// accepted from its origin only, and https makes the cookies Secure.
	PublicURL string
	// Metrics counts requests by route (metrics.go); nil counts nothing. ServeMetrics adds
	// GET /metrics to this server (else cmd serves Metrics.Handler on a listener of its own).
	Metrics      *Metrics
	ServeMetrics bool
}

// AuthOptions configure sign-in, tokens and who is counted as which client.
type AuthOptions struct {
	// Keys sign and verify access tokens: the first signs, all verify, so a new key can
	// be added first and the old one removed after MaxAccessTokenTTL. With none, New
	// makes a key that lives as long as the process (tests; cmd always passes keys).
	Keys []SigningKey
	// Issuer and Audience are the iss and aud of access tokens.
	Issuer, Audience string
	// AccessTokenTTL is at most MaxAccessTokenTTL (the default).
	AccessTokenTTL time.Duration
	// TrustedProxies may set X-Forwarded-For (load balancers, ingress).
	TrustedProxies []netip.Prefix
	// UnsubscribeSecret signs the unsubscribe links of mails (see
	// cooperative.UnsubscribeToken); without it the unsubscribe route answers 503.
	UnsubscribeSecret []byte
}

// Server is the HTTP API.
type Server struct {
	app   *fiber.App
	api   huma.API
	store cooperative.Store
	log   *slog.Logger
	now   func() time.Time
	ids   *requestIDs

	accounts          *identity.Accounts
	members           *membership.Members
	registry          *shares.Registry
	payments          *payments.Payments
	payouts           *payouts.Payouts
	bonds             *bonds.Bonds
	distributions     *distribution.Distributions
	fund              *fund.Fund
	tokens            *accessTokens
	trustedProxies    []netip.Prefix
	unsubscribeSecret []byte

	// Payments (payments.go, webhooks.go).
	pay       PaymentOptions
	bodyLimit int
	bodyRules []bodyException
	bodiless  bodilessRoutes
	// web is the web front (handlers/web), mounted beside the API.
	web *web.Web
	// draining makes /readyz fail while the server still serves (health.go).
	draining atomic.Bool
	// metrics counts requests (metrics.go); nil counts nothing.
	metrics *Metrics
}

// New builds the API with every route of the routes_*.go files. It panics when opts.Auth.Keys are
// not valid keys or a service is missing: cmd checks the configuration before.
func New(opts Options) *Server {
	if opts.Accounts == nil || opts.Members == nil || opts.Registry == nil || opts.PaymentService == nil || opts.Payouts == nil ||
		opts.Bonds == nil || opts.Distributions == nil || opts.Fund == nil {
		panic("handlers: New needs the Accounts, Members, Registry, Payments, Payouts, Bonds, Distributions and Fund services")
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.BodyLimit <= 0 {
		opts.BodyLimit = 1 << 20
	}
	s := &Server{store: opts.Store, log: opts.Logger, now: opts.Now, ids: newRequestIDs(),
		trustedProxies: opts.Auth.TrustedProxies, unsubscribeSecret: opts.Auth.UnsubscribeSecret, metrics: opts.Metrics}
	s.accounts, s.members, s.registry, s.payments = opts.Accounts, opts.Members, opts.Registry, opts.PaymentService
	s.payouts, s.bonds, s.distributions, s.fund = opts.Payouts, opts.Bonds, opts.Distributions, opts.Fund
	keys := opts.Auth.Keys
	if len(keys) == 0 {
		key, err := NewSigningKey()
		if err != nil {
			panic(err)
		}
		keys = []SigningKey{key}
	}
	if opts.Auth.Issuer == "" {
		opts.Auth.Issuer = "kracht"
	}
	if opts.Auth.Audience == "" {
		opts.Auth.Audience = "kracht-api"
	}
	tokens, err := newAccessTokens(keys, opts.Auth.Issuer, opts.Auth.Audience, opts.Auth.AccessTokenTTL, opts.Now)
	if err != nil {
		panic(fmt.Sprintf("handlers: %v", err))
	}
	s.tokens = tokens
	s.pay, s.bodyLimit = opts.Payments.withDefaults(opts.BodyLimit), opts.BodyLimit
	s.app = fiber.New(fiber.Config{
		AppName: "kracht",
		// Bodies are not read before routing but streamed (only their first 8 KiB
		// are read before): huma reads them after the route's access check, up to the
		// route's limit, and the statement import reads its own as it imports it.
		// keepInStep deals with what a route leaves unread.
		BodyLimit:             opts.BodyLimit,
		StreamRequestBody:     true,
		DisableStartupMessage: true,
		ErrorHandler:          s.fiberError,
		ReadTimeout:           30 * time.Second,
		WriteTimeout:          60 * time.Second,
		IdleTimeout:           120 * time.Second,
		// Request data handed to the domain must not alias Fiber's reused buffers.
		Immutable: true,
	})
	s.bodyRules = s.bodyExceptions()
	s.app.Use(s.keepInStep, s.requestContext, recover.New(), s.checkBody)

	config := huma.DefaultConfig("Kracht API", opts.Version)
	// No "$schema" link in every response: re-encoding each body as a map to add it
	// cost more than the store read of a typical GET.
	config.CreateHooks = nil
	// Responses are encoded with goccy/go-json, a drop-in encoder about twice as fast as
	// encoding/json; requests are still decoded by encoding/json, the stricter parser of
	// untrusted input, after a check for duplicate keys (unmarshalJSON).
	jsonFormat := huma.Format{Marshal: func(w io.Writer, v any) error {
		enc := gojson.NewEncoder(w)
		enc.SetEscapeHTML(false)
		return enc.Encode(v)
	}, Unmarshal: unmarshalJSON}
	config.Formats = map[string]huma.Format{"application/json": jsonFormat, "json": jsonFormat}
	config.Info.Description = "The back office of energy and care cooperatives: members, shares, bonds, payments and the ledger."
	config.OpenAPIPath = "/openapi"
	// The reference page is ours (docs.go): huma's loads its script from a CDN.
	config.DocsPath = ""
	// Relative, so "try it" on /docs calls the server the page came from, whatever name
	// it was reached by (the page may connect to its own origin only).
	config.Servers = []*huma.Server{{URL: "/", Description: "The server that serves this document."}}
	config.Tags = apiTags
	config.Transformers = append(config.Transformers, problemFromHuma, redactSecrets)
	config.Components.SecuritySchemes = map[string]*huma.SecurityScheme{
		"bearer": {Type: "http", Scheme: "bearer", BearerFormat: "JWT",
			Description: "An access token from POST /v1/auth/login or /v1/auth/refresh (at most 15 minutes old)."},
	}
	s.api = humafiber.New(s.app, config)
	newDocs(config.Info.Title).mount(s.app)
	s.routes()
	if opts.Metrics != nil && opts.ServeMetrics {
		s.metricsRoute(opts.Metrics)
	}
	// huma registers its ErrorModel with every operation, whose errors documentProblems
	// then publishes as Problem: nothing refers to it.
	delete(s.api.OpenAPI().Components.Schemas.Map(), "ErrorModel")
	s.bodiless = newBodilessRoutes(s.api.OpenAPI())
	s.web = web.New(web.Options{Store: opts.Store, Logger: opts.Logger, Now: opts.Now, Accounts: s.accounts,
		Members: s.members, Registry: s.registry, Payments: s.payments, Bonds: s.bonds,
		Distributions: s.distributions, Fund: s.fund, Checkout: s.pay.Checkout, Key: webKey(keys[0]),
		PublicURL: opts.PublicURL, ClientIP: s.clientIP, UnsubscribeSecret: s.unsubscribeSecret})
	s.web.Mount(s.app)
	return s
}

// apiTags describe the groups of operations (every operation's tag is one of them; the
// OpenAPI lint test checks it), in the order the reference page lists them.
var apiTags = []*huma.Tag{
	{Name: "auth", Description: "Sign-up, sign-in, access tokens, password reset and two-factor authentication."},
	{Name: "cooperatives", Description: "The cooperatives hosted here and their public profiles."},
	{Name: "statutes", Description: "The statutes a cooperative adopts and members consent to."},
	{Name: "roles", Description: "Who holds which role in a cooperative, and invitations to take one."},
	{Name: "members", Description: "Membership applications, members' records and their payout accounts."},
	{Name: "offerings", Description: "Share offerings and members' subscriptions to them."},
	{Name: "payments", Description: "Payments by Stripe and bank transfer, bank statement imports and the review queue."},
	{Name: "register", Description: "The share register: holdings, transfers, withdrawals, certificates and exports."},
	{Name: "bonds", Description: "Bond issues, subscriptions, interest and redemption runs, and the bond register."},
	{Name: "distribution", Description: "Appropriation of the result: settings, proposals, members' elections and statements."},
	{Name: "community fund", Description: "The community fund's rounds, proposals, ballots and grants."},
	{Name: "payouts", Description: "Payables and payout batches, with their bank files."},
	{Name: "ledger", Description: "The cooperative's double-entry journal and trial balance."},
	{Name: "audit", Description: "A cooperative's audit log of who changed what."},
	{Name: "notifications", Description: "Unsubscribing from mails."},
	{Name: "admin", Description: "Platform functions for platform admins: cooperatives, the platform's audit log, mail that could not be sent."},
	{Name: "operations", Description: "Health checks for load balancers and orchestrators."},
}

// webKey is the web front's cookie key, derived from the key that signs access tokens so
// every replica has the same one. Rotating that key signs everyone out of the web pages,
// as it ends their access tokens.
func webKey(k SigningKey) []byte {
	m := hmac.New(sha256.New, k.Key.Seed())
	m.Write([]byte("kracht web front"))
	return m.Sum(nil)
}

// Serve answers requests on ln until Shutdown. Its connections close lingering when a
// body was left unread (keepInStep).
func (s *Server) Serve(ln net.Listener) error { return s.app.Listener(lingeringListener{ln}) }

// Shutdown stops accepting connections and waits for requests in flight to finish, or
// for ctx to end.
func (s *Server) Shutdown(ctx context.Context) error { return s.app.ShutdownWithContext(ctx) }

// OpenAPI is the generated API description.
func (s *Server) OpenAPI() *huma.OpenAPI { return s.api.OpenAPI() }

// App is the underlying Fiber app (tests use its Test method).
func (s *Server) App() *fiber.App { return s.app }
