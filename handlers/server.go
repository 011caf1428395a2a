// Package handlers turns HTTP into calls of the cooperative domain: one Fiber app, whose
// routes are declared with huma so the OpenAPI document is generated from the code.
package handlers

import (
	"context"
	"log/slog"
	"net"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humafiber"
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
}

// Server is the HTTP API.
type Server struct {
	app   *fiber.App
	api   huma.API
	store cooperative.Store
	log   *slog.Logger
	now   func() time.Time
	ids   *requestIDs
}

// New builds the API with every route of routes.go.
func New(opts Options) *Server {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.BodyLimit <= 0 {
		opts.BodyLimit = 1 << 20
	}
	s := &Server{store: opts.Store, log: opts.Logger, now: opts.Now, ids: newRequestIDs()}
	s.app = fiber.New(fiber.Config{
		AppName:               "kracht",
		BodyLimit:             opts.BodyLimit,
		DisableStartupMessage: true,
		ErrorHandler:          s.fiberError,
		ReadTimeout:           30 * time.Second,
		WriteTimeout:          60 * time.Second,
		IdleTimeout:           120 * time.Second,
		// Request data handed to the domain must not alias Fiber's reused buffers.
		Immutable: true,
	})
	s.app.Use(s.requestContext, recover.New(), s.requireJSONBody)

	config := huma.DefaultConfig("Kracht API", opts.Version)
	config.Info.Description = "The back office of energy and care cooperatives: members, shares, bonds, payments and the ledger."
	config.OpenAPIPath = "/openapi"
	config.DocsPath = "/docs"
	config.Transformers = append(config.Transformers, problemFromHuma)
	s.api = humafiber.New(s.app, config)
	s.routes()
	return s
}

// Serve answers requests on ln until Shutdown.
func (s *Server) Serve(ln net.Listener) error { return s.app.Listener(ln) }

// Shutdown stops accepting connections and waits for requests in flight to finish, or
// for ctx to end.
func (s *Server) Shutdown(ctx context.Context) error { return s.app.ShutdownWithContext(ctx) }

// OpenAPI is the generated API description.
func (s *Server) OpenAPI() *huma.OpenAPI { return s.api.OpenAPI() }

// App is the underlying Fiber app (tests use its Test method).
func (s *Server) App() *fiber.App { return s.app }
