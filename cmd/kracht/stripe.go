package main

import (
	"context"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"sync"
	"time"

	"github.com/kracht-coop/kracht/cooperative/payments"
	"github.com/kracht-coop/kracht/cooperative/shares"

	"crypto/rand"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/payments/bankimport"
	"github.com/kracht-coop/kracht/payments/stripeclient"
	"github.com/kracht-coop/kracht/payments/stripesync"
)

// stripeConfig is the payments part of the configuration.
type stripeConfig struct {
	// SecretsKey (KRACHT_SECRETS_KEY) encrypts the cooperatives' Stripe credentials at
	// rest: 32 bytes in standard base64. Never logged.
	SecretsKey []byte
	// APIURL (KRACHT_STRIPE_API_URL) replaces https://api.stripe.com (stripe-mock).
	APIURL string
}

func loadStripeConfig(env func(name, def string) string) (stripeConfig, error) {
	var c stripeConfig
	if v := env("KRACHT_SECRETS_KEY", ""); v != "" {
		key, err := cooperative.ParseSecretsKey(v)
		if err != nil {
			return c, errors.New("KRACHT_SECRETS_KEY: want 32 bytes in standard base64 (openssl rand -base64 32)")
		}
		c.SecretsKey = key
	}
	c.APIURL = env("KRACHT_STRIPE_API_URL", "")
	if c.APIURL != "" {
		if u, err := url.Parse(c.APIURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return c, fmt.Errorf("KRACHT_STRIPE_API_URL=%q: want an http(s) URL", c.APIURL)
		}
	}
	return c, nil
}

const secretsKeyFile = "secrets.key"

// secretBox opens the box for the Stripe credentials: KRACHT_SECRETS_KEY, or with the
// embedded store a key generated once into the data directory. With MongoDB the key
// must be given, so every replica has the same one.
func (cfg config) secretBox(log *slog.Logger) (*cooperative.SecretBox, error) {
	key := cfg.Stripe.SecretsKey
	if key == nil {
		if cfg.MongoURI != "" {
			return nil, errors.New("KRACHT_SECRETS_KEY is required with MONGODB_URI: give every replica the same key")
		}
		text, err := loadOrCreateSecretFile(cfg.DataDir, secretsKeyFile,
			"a key for secrets at rest (set KRACHT_SECRETS_KEY to manage it yourself; back it up with the data)", log,
			func() (string, error) {
				b := make([]byte, cooperative.SecretsKeyBytes)
				_, err := rand.Read(b)
				return base64.StdEncoding.EncodeToString(b), err
			})
		if err != nil {
			return nil, err
		}
		if key, err = cooperative.ParseSecretsKey(text); err != nil {
			return nil, fmt.Errorf("KRACHT_DATA_DIR=%s: %s: %w", cfg.DataDir, secretsKeyFile, err)
		}
	}
	return cooperative.NewSecretBox(key)
}

func (cfg config) stripeOptions() stripeclient.Options {
	return stripeclient.Options{BaseURL: cfg.Stripe.APIURL}
}

// newCheckout wires the domain's service that starts payments: Checkout Sessions
// through stripeclient with each cooperative's own key, RF references from
// bankimport with the system's randomness; the payments of share and bond
// subscriptions from their registers (makers, asked in turn).
func newCheckout(cfg config, run *cooperative.Runner, box *cooperative.SecretBox, makers ...payments.PaymentMaker) *payments.Checkout {
	return payments.NewCheckout(payments.CheckoutDeps{Run: run, Secrets: box,
		PaymentOf: payments.PaymentMakers(makers...),
		Sessions:  stripeclient.CheckoutSessionsFor(cfg.stripeOptions()),
		NewReference: func() (string, error) {
			ref, err := bankimport.NewReference(rand.Read)
			return string(ref), err
		}})
}

// startStripe makes the syncer and runs its worker, which applies stored webhook events,
// until stop is called (serve calls it before the store closes).
func startStripe(ctx context.Context, cfg config, pay *payments.Payments, box *cooperative.SecretBox, log *slog.Logger) (*stripesync.Syncer, func(), error) {
	syncer, err := stripesync.New(pay, box, stripesync.Options{Stripe: cfg.stripeOptions(), Logger: log})
	if err != nil {
		return nil, nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = syncer.Run(ctx)
	}()
	var once sync.Once
	return syncer, func() { once.Do(func() { cancel(); <-done }) }, nil
}

// runStripe is `kracht stripe …`.
func runStripe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "resync" {
		fmt.Fprintln(stderr, "usage: kracht stripe resync [--cooperative ID]")
		return errors.New("unknown stripe command")
	}
	fs := flag.NewFlagSet("stripe resync", flag.ContinueOnError)
	fs.SetOutput(stderr)
	only := fs.String("cooperative", "", "resync only this cooperative (default: every cooperative that connected Stripe)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *only != "" && !cooperative.ValidID(*only) {
		return fmt.Errorf("--cooperative %q is not a cooperative id", *only)
	}
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: cfg.LogLevel}))
	store, _, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer store.Close()
	box, err := cfg.secretBox(log)
	if err != nil {
		return err
	}
	pay := payments.NewPayments(cooperative.NewRunner(store, time.Now), shares.StandardPayablesLinking(cfg.Auth.PublicURL))
	return resync(ctx, pay, box, cfg.stripeOptions(), *only, log, stdout)
}

// resync fetches every cooperative's events since the last one applied, stores the
// ones missed and applies what is due.
func resync(ctx context.Context, pay *payments.Payments, box *cooperative.SecretBox, opts stripeclient.Options, only string, log *slog.Logger, stdout io.Writer) error {
	syncer, err := stripesync.New(pay, box, stripesync.Options{Stripe: opts, Logger: log})
	if err != nil {
		return err
	}
	ids := []string{only}
	if only == "" {
		if ids, err = pay.ListStripeCooperatives(ctx); err != nil {
			return err
		}
	}
	var failed []error
	for _, id := range ids {
		n, err := syncer.Resync(ctx, id)
		if err != nil {
			failed = append(failed, fmt.Errorf("cooperative %s: %s", id, cooperative.ErrorMessage(err)))
			log.Error("resync failed", slog.String("cooperative", id), slog.Any("error", err))
			continue
		}
		fmt.Fprintf(stdout, "cooperative %s: %d new events\n", id, n)
	}
	// Apply what is due; bounded, since an event whose payout Stripe will not show
	// stays due (serve's worker retries it later).
	applied := 0
	for range 1000 {
		n, err := syncer.RunOnce(ctx)
		if err != nil {
			return err
		}
		if n == 0 {
			break
		}
		applied += n
	}
	fmt.Fprintf(stdout, "applied %d events\n", applied)
	return errors.Join(failed...)
}
