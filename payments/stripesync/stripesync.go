// Package stripesync moves Stripe's word into the books: it takes webhooks (verified
// and stored at once), applies stored events in the background, and fetches events
// again when webhooks were missed (kracht stripe resync).
package stripesync

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/kracht-coop/kracht/cooperative/payments"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/jobs"
	"github.com/kracht-coop/kracht/payments/stripeclient"
)

// Options tune a Syncer. Zero values take the defaults in brackets.
type Options struct {
	Stripe    stripeclient.Options // how clients reach Stripe (BaseURL for stripe-mock)
	BatchSize int                  // events applied per round [100]
	Poll      time.Duration        // wait when nothing is due [1s]
	Logger    *slog.Logger
}

// Syncer holds what every part needs: the payment service (whose clock it reads), the
// box that opens the cooperatives' Stripe credentials, and how to reach Stripe.
type Syncer struct {
	pay  *payments.Payments
	box  *cooperative.SecretBox
	opts Options
	log  *slog.Logger
	kick chan struct{}
}

// New returns a Syncer.
func New(pay *payments.Payments, box *cooperative.SecretBox, opts Options) (*Syncer, error) {
	if pay == nil || box == nil {
		return nil, errors.New("stripesync: a payment service and a secret box are needed")
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = 100
	}
	if opts.Poll <= 0 {
		opts.Poll = time.Second
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Syncer{pay: pay, box: box, opts: opts, log: log.With(slog.String("component", "stripe")),
		kick: make(chan struct{}, 1)}, nil
}

// Receive verifies a webhook for cooperativeID on its raw body and stores the event. It
// returns quickly; Run applies the event. A bad signature is EINVALID and stores
// nothing; a duplicate is accepted and changes nothing.
func (s *Syncer) Receive(ctx context.Context, cooperativeID string, body []byte, signature string) (payments.StripeEvent, bool, error) {
	if !cooperative.ValidID(cooperativeID) {
		return payments.StripeEvent{}, false, cooperative.Errorf(cooperative.ENOTFOUND, "no such webhook")
	}
	creds, err := s.pay.StripeCredentialsFor(ctx, s.box, cooperativeID)
	if cooperative.ErrorCode(err) == cooperative.ERULE {
		// No Stripe account: to a caller the same as a wrong signature.
		return payments.StripeEvent{}, false, cooperative.Errorf(cooperative.EINVALID, "The webhook signature is not valid.")
	}
	if err != nil {
		return payments.StripeEvent{}, false, err
	}
	ev, err := stripeclient.VerifyWebhook(body, signature, creds.WebhookSecret, s.pay.Now())
	if err != nil {
		s.log.Warn("webhook refused", slog.String("cooperative", cooperativeID), slog.Any("error", err))
		return ev, false, err
	}
	stored, err := s.pay.RecordStripeEvent(ctx, cooperativeID, ev)
	if err == nil && stored {
		select {
		case s.kick <- struct{}{}:
		default:
		}
	}
	return ev, stored, err
}

// RunOnce applies the events that are due and returns how many it looked at.
func (s *Syncer) RunOnce(ctx context.Context) (int, error) {
	due, _, err := s.pay.DueStripeEvents(ctx, "", s.opts.BatchSize)
	if err != nil {
		return 0, err
	}
	clients := map[string]*stripeclient.Client{}
	for _, e := range due {
		var lines []payments.StripeBalanceLine
		if payout := payments.StripeEventNeeds(e); payout != "" {
			if lines, err = s.payoutLines(ctx, clients, e.CooperativeID, payout); err != nil {
				// Stripe is away or refused: leave the event for the next round.
				s.log.Warn("fetching a payout's balance transactions failed", slog.String("event", e.Event.ID),
					slog.Any("error", err))
				continue
			}
		}
		out, err := s.pay.ProcessStripeEvent(ctx, e.ID, lines)
		if err != nil {
			return len(due), err
		}
		if out.Status == payments.StripeEventReview {
			s.log.Warn("stripe event sent to review", slog.String("cooperative", out.CooperativeID),
				slog.String("event", out.Event.ID), slog.String("outcome", out.Outcome))
		}
	}
	return len(due), nil
}

func (s *Syncer) client(ctx context.Context, cache map[string]*stripeclient.Client, cooperativeID string) (*stripeclient.Client, error) {
	if c, ok := cache[cooperativeID]; ok {
		return c, nil
	}
	creds, err := s.pay.StripeCredentialsFor(ctx, s.box, cooperativeID)
	if err != nil {
		return nil, err
	}
	c, err := stripeclient.New(creds.SecretKey, s.opts.Stripe)
	if err != nil {
		return nil, err
	}
	cache[cooperativeID] = c
	return c, nil
}

func (s *Syncer) payoutLines(ctx context.Context, cache map[string]*stripeclient.Client, cooperativeID, payoutID string) ([]payments.StripeBalanceLine, error) {
	c, err := s.client(ctx, cache, cooperativeID)
	if err != nil {
		return nil, err
	}
	bts, err := c.PayoutTransactions(ctx, payoutID)
	if err != nil {
		return nil, err
	}
	lines := make([]payments.StripeBalanceLine, len(bts))
	for i, b := range bts {
		lines[i] = payments.StripeBalanceLine{ID: b.ID, Type: b.Type, Source: b.Source, Amount: b.Amount, Fee: b.Fee,
			Net: b.Net, Currency: b.Currency}
	}
	return lines, nil
}

// Run applies events until ctx ends.
func (s *Syncer) Run(ctx context.Context) error {
	jobs.Poll(ctx, s.opts.Poll, s.kick, func(ctx context.Context) (bool, error) {
		n, err := s.RunOnce(ctx)
		return n >= s.opts.BatchSize, err
	}, func(err error) { s.log.Error("applying stripe events failed", slog.Any("error", err)) })
	return nil
}

// Resync fetches a cooperative's events since the last one applied (or the last 30
// days) from Stripe and stores those it did not have; Run applies them. It returns how
// many were new.
func (s *Syncer) Resync(ctx context.Context, cooperativeID string) (int, error) {
	from, err := s.pay.StripeResyncFrom(ctx, cooperativeID)
	if err != nil {
		return 0, err
	}
	c, err := s.client(ctx, map[string]*stripeclient.Client{}, cooperativeID)
	if err != nil {
		return 0, err
	}
	events, err := c.EventsSince(ctx, from, 0)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, ev := range events {
		stored, err := s.pay.RecordStripeEvent(ctx, cooperativeID, ev)
		if err != nil {
			return n, err
		}
		if stored {
			n++
		}
	}
	return n, nil
}
