package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"time"

	"github.com/kracht-coop/kracht/cooperative/bonds"
	"github.com/kracht-coop/kracht/cooperative/distribution"
	"github.com/kracht-coop/kracht/cooperative/fund"
	"github.com/kracht-coop/kracht/cooperative/identity"
	"github.com/kracht-coop/kracht/cooperative/membership"
	"github.com/kracht-coop/kracht/cooperative/payments"
	"github.com/kracht-coop/kracht/cooperative/payouts"
	"github.com/kracht-coop/kracht/cooperative/shares"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/handlers"
	"github.com/kracht-coop/kracht/jobs"
	"github.com/kracht-coop/kracht/storage/embedded"
	"github.com/kracht-coop/kracht/storage/mongodb"
)

// serve runs the API and the background jobs (mail, register checkpoints, the sweep of
// expired sign-in data, Stripe events) until ctx ends (SIGTERM or SIGINT), then fails
// /readyz for KRACHT_DRAIN_PERIOD while still serving, lets requests in flight and work
// under way finish, and closes the store last.
func serve(ctx context.Context, cfg config, stdout io.Writer) error {
	log := slog.New(slog.NewJSONHandler(stdout, &slog.HandlerOptions{Level: cfg.LogLevel}))
	opened, where, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer opened.Close()
	// Every part gets the metered store, so every commit is timed and counted (metrics.go).
	m := newMetrics()
	store := cooperative.Store(&meteredStore{Store: opened, m: m})

	unsubscribeSecret, err := cfg.unsubscribeSecret(log)
	if err != nil {
		return err
	}
	auth, err := cfg.authOptions(log, unsubscribeSecret)
	if err != nil {
		return err
	}
	stopMail, err := startMail(jobs.WithObserver(ctx, jobMail, m), cfg, store, unsubscribeSecret, log)
	if err != nil {
		return err
	}
	// On early returns; runs before the store closes (defers run last-in, first-out).
	defer stopMail()
	stopJobs := startJobs(ctx, backgroundJobs(store, log), m)
	defer stopJobs()
	// Payments: the box for Stripe credentials and the worker applying webhook events
	// (stripe.go); stopped before the store closes, like the mail worker.
	box, err := cfg.secretBox(log)
	if err != nil {
		return err
	}
	// The payment service is built once, with the payables it takes money for; the
	// Stripe worker, the checkout and the routes share it and its clock.
	run := cooperative.NewRunner(store, time.Now)
	pay := payments.NewPayments(run, shares.StandardPayablesLinking(cfg.Auth.PublicURL))
	registry := shares.NewRegistry(store, shares.RegistryOptions{Now: time.Now, LinkBaseURL: cfg.Auth.PublicURL})
	bondService := bonds.New(store, bonds.Options{Now: time.Now})
	syncer, stopStripe, err := startStripe(jobs.WithObserver(ctx, jobStripe, m), cfg, pay, box, log)
	if err != nil {
		return err
	}
	defer stopStripe()
	// Members check a member's second factor and mail links through the accounts.
	accounts := newAccounts(cfg, store, box)
	fundService := fund.New(store, fund.Options{Now: time.Now, BallotKey: box.DeriveKey("kracht fund ballots v1")})
	srv := handlers.New(handlers.Options{Store: store, Logger: log, Version: version(), BodyLimit: cfg.BodyLimit, Auth: auth,
		Payments: handlers.PaymentOptions{Box: box, Syncer: syncer, Stripe: cfg.stripeOptions(),
			Checkout:        newCheckout(cfg, run, box, registry.SubscriptionPayment, bondService.SubscriptionPayment, fundService.DonationPayment),
			ImportBodyLimit: handlers.DefaultImportBodyLimit},
		Accounts: accounts,
		Members: membership.NewMembers(store, membership.MembersOptions{Now: time.Now, HeldShares: shares.HeldShares,
			Accounts: accounts}),
		Registry:       registry,
		PaymentService: pay,
		Payouts:        payouts.NewPayouts(run),
		PublicURL:      cfg.Auth.PublicURL,
		Bonds:          bondService,
		Distributions:  distribution.New(store, distribution.Options{Now: time.Now}),
		// Ballots are keyed by a key derived from KRACHT_SECRETS_KEY: changing that key
		// during a vote stops the vote's ballots (fund/ballots.go).
		Fund:    fundService,
		Metrics: handlers.NewMetrics(m.reg), ServeMetrics: cfg.MetricsAddr == ""})
	m.reg.MustRegister(newQueueCollector(store, pay, time.Now, log))
	if cfg.MetricsAddr != "" {
		stopMetrics, err := serveMetrics(cfg.MetricsAddr, srv.Metrics().Handler(), log)
		if err != nil {
			return err
		}
		defer stopMetrics() // scraped while draining; closed when serve returns
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("KRACHT_ADDR=%s: %w", cfg.Addr, err)
	}
	log.Info("kracht is listening", slog.String("addr", ln.Addr().String()), slog.String("store", where),
		slog.String("version", version()))

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	if cfg.DrainPeriod > 0 {
		// Readiness fails first while everything else still serves, so load balancers
		// and the Service's endpoints stop sending new requests before the listener closes.
		srv.Drain()
		log.Info("draining: /readyz fails, still serving", slog.Duration("period", cfg.DrainPeriod))
		select {
		case err := <-served:
			return err
		case <-time.After(cfg.DrainPeriod):
		}
	}
	log.Info("shutting down: finishing requests in flight", slog.Duration("timeout", cfg.ShutdownTimeout))
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		log.Error("shutdown did not finish in time", slog.Any("error", err))
	}
	<-served
	stopStripe()
	stopMail()
	stopJobs()
	log.Info("stopped")
	return nil
}

// openStore opens MongoDB when MONGODB_URI is set and the embedded store otherwise. A
// MongoDB that cannot be used stops start-up: falling back to a local file would split
// the cooperative's books in two.
func openStore(ctx context.Context, cfg config) (cooperative.Store, string, error) {
	if cfg.MongoURI != "" {
		s, err := mongodb.Open(ctx, mongodb.Options{URI: cfg.MongoURI, Database: cfg.MongoDatabase})
		if err != nil {
			return nil, "", err
		}
		return s, "mongodb database " + cfg.MongoDatabase, nil
	}
	path := filepath.Join(cfg.DataDir, "kracht.db")
	s, err := embedded.Open(ctx, path, embedded.Options{Synchronous: cfg.SQLiteSynchronous})
	if err != nil {
		return nil, "", fmt.Errorf("embedded store (KRACHT_DATA_DIR=%s): %w", cfg.DataDir, err)
	}
	return s, "embedded " + path, nil
}

// newAccounts is the accounts service: OWASP's password costs, the default limits, and
// the TOTP secrets sealed with the box of KRACHT_SECRETS_KEY.
func newAccounts(cfg config, store cooperative.Store, box *cooperative.SecretBox) *identity.Accounts {
	return identity.NewAccounts(store, identity.AccountsOptions{SessionTTL: cfg.Auth.SessionTTL,
		LinkBaseURL: cfg.Auth.PublicURL, Secrets: box, Now: time.Now})
}
