// Package stripeclient is Kracht's thin wrapper over stripe-go: one Client per
// cooperative, built with that cooperative's own secret key (never stripe.Key, which is
// global and would mix tenants), for the few calls Kracht makes: Checkout Sessions,
// refunds, events (to resync after missed webhooks), balance transactions and payouts.
// Every write carries an Idempotency-Key derived from what it is for, so a retry after a
// timeout never charges or refunds twice. It also verifies webhooks and turns Stripe's
// objects into the plain types the domain (package cooperative) understands.
package stripeclient

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/kracht-coop/kracht/cooperative/payments"

	"github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/client"

	"github.com/kracht-coop/kracht/cooperative"
)

// Options configure a Client. Zero values take the defaults in brackets.
type Options struct {
	// BaseURL replaces https://api.stripe.com, for stripe-mock in tests.
	BaseURL string
	// HTTPClient makes the requests [a client with a 30 s timeout].
	HTTPClient *http.Client
	// MaxNetworkRetries is how often stripe-go retries a request that failed in transit;
	// the idempotency key makes that safe [2].
	MaxNetworkRetries int64
}

// Client calls the Stripe API with one cooperative's key.
type Client struct {
	api *client.API
}

// New returns a client for secretKey (sk_live_…, sk_test_… or rk_…).
func New(secretKey string, opts Options) (*Client, error) {
	if !plausibleKey(secretKey) {
		return nil, cooperative.Errorf(cooperative.EINVALID, "a Stripe secret key starts with sk_ or rk_")
	}
	hc := opts.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	retries := opts.MaxNetworkRetries
	if retries <= 0 {
		retries = 2
	}
	cfg := &stripe.BackendConfig{
		HTTPClient:        hc,
		MaxNetworkRetries: stripe.Int64(retries),
		// stripe-go logs to stderr by default; Kracht logs itself, and never a key.
		LeveledLogger: &stripe.LeveledLogger{Level: stripe.LevelNull},
	}
	if opts.BaseURL != "" {
		cfg.URL = stripe.String(strings.TrimRight(opts.BaseURL, "/"))
	}
	backends := &stripe.Backends{
		API:     stripe.GetBackendWithConfig(stripe.APIBackend, cfg),
		Connect: stripe.GetBackendWithConfig(stripe.ConnectBackend, cfg),
		Uploads: stripe.GetBackendWithConfig(stripe.UploadsBackend, cfg),
	}
	return &Client{api: client.New(secretKey, backends)}, nil
}

func plausibleKey(k string) bool {
	return (strings.HasPrefix(k, "sk_") || strings.HasPrefix(k, "rk_")) && len(k) > 8 && !strings.ContainsAny(k, " \t\r\n")
}

// PaymentMethods are the methods a Checkout Session offers.
var paymentMethods = []string{"card", "ideal", "sepa_debit", "bancontact"}

// CheckoutRequest asks for a Checkout Session for one payment of Kracht. It is the
// domain's type, so a Client is the domain's port (cooperative.CheckoutSessions).
type CheckoutRequest = payments.CheckoutSessionRequest

// CheckoutSession is what Stripe made.
type CheckoutSession = payments.CheckoutSession

// CheckoutSessionsFor returns what cooperative.Checkout needs to open Stripe with one
// cooperative's key: a Client made with opts.
func CheckoutSessionsFor(opts Options) func(secretKey string) (payments.CheckoutSessions, error) {
	return func(secretKey string) (payments.CheckoutSessions, error) {
		c, err := New(secretKey, opts)
		if err != nil {
			return nil, err
		}
		return c, nil
	}
}

var _ payments.CheckoutSessions = (*Client)(nil)

// CreateCheckoutSession creates a Checkout Session in payment mode.
func (c *Client) CreateCheckoutSession(ctx context.Context, r CheckoutRequest) (CheckoutSession, error) {
	switch {
	case r.Amount <= 0:
		return CheckoutSession{}, cooperative.Errorf(cooperative.EINVALID, "a checkout needs a positive amount")
	case !strings.EqualFold(r.Currency, "eur"):
		return CheckoutSession{}, cooperative.Errorf(cooperative.EINVALID, "checkout is in EUR only, not %q", r.Currency)
	case r.CooperativeID == "" || r.PaymentID == "" || r.Attempt < 1:
		return CheckoutSession{}, cooperative.Errorf(cooperative.EINVALID, "a checkout needs a cooperative, a payment and an attempt")
	case r.SuccessURL == "" || r.CancelURL == "":
		return CheckoutSession{}, cooperative.Errorf(cooperative.EINVALID, "a checkout needs success and cancel URLs")
	}
	meta := Metadata(r.CooperativeID, r.PaymentID, r.SubscriptionID, r.Purpose)
	p := &stripe.CheckoutSessionParams{
		Mode:               stripe.String(string(stripe.CheckoutSessionModePayment)),
		PaymentMethodTypes: stripe.StringSlice(paymentMethods),
		ClientReferenceID:  stripe.String(r.PaymentID),
		SuccessURL:         stripe.String(r.SuccessURL),
		CancelURL:          stripe.String(r.CancelURL),
		LineItems: []*stripe.CheckoutSessionLineItemParams{{
			Quantity: stripe.Int64(1),
			PriceData: &stripe.CheckoutSessionLineItemPriceDataParams{
				Currency:    stripe.String("eur"),
				UnitAmount:  stripe.Int64(r.Amount),
				ProductData: &stripe.CheckoutSessionLineItemPriceDataProductDataParams{Name: stripe.String(r.Description)},
			},
		}},
		// The metadata goes on the PaymentIntent too: payment_intent.* and charge.* events
		// carry the intent's, not the session's.
		PaymentIntentData: &stripe.CheckoutSessionPaymentIntentDataParams{Metadata: meta},
	}
	if r.Description == "" {
		p.LineItems[0].PriceData.ProductData.Name = stripe.String("Kracht " + r.Purpose)
	}
	if r.CustomerEmail != "" {
		p.CustomerEmail = stripe.String(r.CustomerEmail)
	}
	for k, v := range meta {
		p.AddMetadata(k, v)
	}
	p.Context = ctx
	p.SetIdempotencyKey(fmt.Sprintf("kracht-checkout-%s-%d", r.PaymentID, r.Attempt))
	s, err := c.api.CheckoutSessions.New(p)
	if err != nil {
		return CheckoutSession{}, stripeError(err, "creating the Stripe checkout failed")
	}
	return CheckoutSession{ID: s.ID, URL: s.URL}, nil
}

// ExpireCheckoutSession expires an open Checkout Session, so no one can pay through it
// any more (its subscription was withdrawn). Expiring a session is one act however
// often it is asked for, so the idempotency key is the session's own.
//
// Stripe refuses to expire a session that is no longer open: one that expired by itself
// (after 24 hours) or was completed, whose money its events bring. Neither leaves
// anything to stop, so when Stripe refuses, the session is read, and one that is not
// open is reported as done rather than as a failure the caller would log.
func (c *Client) ExpireCheckoutSession(ctx context.Context, id string) error {
	if !strings.HasPrefix(id, "cs_") {
		return cooperative.Errorf(cooperative.EINVALID, "%q is not a Checkout Session id", id)
	}
	p := &stripe.CheckoutSessionExpireParams{}
	p.Context = ctx
	p.SetIdempotencyKey("kracht-expire-" + id)
	_, err := c.api.CheckoutSessions.Expire(id, p)
	if err == nil {
		return nil
	}
	var se *stripe.Error
	if errors.As(err, &se) && se.HTTPStatusCode == http.StatusBadRequest {
		if open, gerr := c.checkoutSessionOpen(ctx, id); gerr == nil && !open {
			return nil
		}
	}
	return stripeError(err, "expiring the Stripe checkout failed")
}

// checkoutSessionOpen reads whether a Checkout Session can still take a payment.
func (c *Client) checkoutSessionOpen(ctx context.Context, id string) (bool, error) {
	p := &stripe.CheckoutSessionParams{}
	p.Context = ctx
	s, err := c.api.CheckoutSessions.Get(id, p)
	if err != nil {
		return false, err
	}
	return s.Status == stripe.CheckoutSessionStatusOpen, nil
}

// Metadata keys Kracht puts on Stripe objects.
const (
	MetaCooperative  = "cooperative_id"
	MetaPayment      = "payment_id"
	MetaSubscription = "subscription_id"
	MetaPurpose      = "purpose"
)

// Metadata returns the metadata that ties a Stripe object to Kracht.
func Metadata(cooperativeID, paymentID, subscriptionID, purpose string) map[string]string {
	m := map[string]string{MetaCooperative: cooperativeID, MetaPayment: paymentID}
	if subscriptionID != "" {
		m[MetaSubscription] = subscriptionID
	}
	if purpose != "" {
		m[MetaPurpose] = purpose
	}
	return m
}

// RefundRequest asks Stripe to refund (part of) a payment.
type RefundRequest struct {
	PaymentIntentID string
	Amount          int64 // minor units; 0 refunds what is left
	// Key makes the refund idempotent: Kracht's refund id, so asking twice refunds once.
	Key    string
	Reason string // "requested_by_customer", "duplicate", or "" (metadata keeps Kracht's own)
	Meta   map[string]string
}

// Refund is what Stripe answered. A refund is only posted when Stripe confirms it with
// charge.refunded; Status here may still be "pending".
type Refund struct {
	ID     string
	Amount int64
	Status string
}

// Refund creates a refund.
func (c *Client) Refund(ctx context.Context, r RefundRequest) (Refund, error) {
	if r.PaymentIntentID == "" || r.Key == "" || r.Amount < 0 {
		return Refund{}, cooperative.Errorf(cooperative.EINVALID, "a refund needs a payment intent, an idempotency key and an amount of 0 or more")
	}
	p := &stripe.RefundParams{PaymentIntent: stripe.String(r.PaymentIntentID)}
	if r.Amount > 0 {
		p.Amount = stripe.Int64(r.Amount)
	}
	if r.Reason != "" {
		p.Reason = stripe.String(r.Reason)
	}
	for k, v := range r.Meta {
		p.AddMetadata(k, v)
	}
	p.Context = ctx
	p.SetIdempotencyKey("kracht-refund-" + r.Key)
	out, err := c.api.Refunds.New(p)
	if err != nil {
		return Refund{}, stripeError(err, "the Stripe refund failed")
	}
	return Refund{ID: out.ID, Amount: out.Amount, Status: string(out.Status)}, nil
}

// EventsSince returns the events of the types Kracht handles created at or after since,
// oldest first, at most limit of them (0: no limit). Stripe keeps events for 30 days.
// The caller stores them by id, so an overlap with what it already has is harmless:
// that is why the bound is "at or after", by the second, rather than "after an id",
// which would miss an event created in the same second as the last one seen.
func (c *Client) EventsSince(ctx context.Context, since time.Time, limit int) ([]Event, error) {
	p := &stripe.EventListParams{
		CreatedRange: &stripe.RangeQueryParams{GreaterThanOrEqual: since.Unix()},
		Types:        stripe.StringSlice(HandledEventTypes()),
	}
	p.Context = ctx
	p.Limit = stripe.Int64(100)
	var out []Event
	it := c.api.Events.List(p)
	for it.Next() {
		out = append(out, fromStripeEvent(it.Event()))
		if limit > 0 && len(out) >= limit {
			break
		}
	}
	if err := it.Err(); err != nil {
		return nil, stripeError(err, "listing Stripe events failed")
	}
	// Stripe lists newest first.
	sort.SliceStable(out, func(i, j int) bool { return out[i].Created.Before(out[j].Created) })
	return out, nil
}

// BalanceTransaction is one movement on the Stripe balance.
type BalanceTransaction struct {
	ID       string
	Type     string // charge, payment, refund, payment_refund, adjustment (dispute), payout, stripe_fee, …
	Source   string // the charge, refund, dispute or payout it comes from
	Amount   int64  // gross, minor units, negative for money out
	Fee      int64  // Stripe's fees, positive
	Net      int64  // Amount - Fee
	Currency string // lower case, as Stripe gives it
}

// PayoutTransactions returns the balance transactions a payout settles, the payout's
// own (type "payout") among them. Their Net add up to zero: that is what lets the
// clearing account be reconciled payout by payout.
func (c *Client) PayoutTransactions(ctx context.Context, payoutID string) ([]BalanceTransaction, error) {
	if payoutID == "" {
		return nil, cooperative.Errorf(cooperative.EINVALID, "a payout id is needed")
	}
	p := &stripe.BalanceTransactionListParams{Payout: stripe.String(payoutID)}
	p.Context = ctx
	p.Limit = stripe.Int64(100)
	var out []BalanceTransaction
	it := c.api.BalanceTransactions.List(p)
	for it.Next() {
		out = append(out, fromBalanceTransaction(it.BalanceTransaction()))
	}
	if err := it.Err(); err != nil {
		return nil, stripeError(err, "listing Stripe balance transactions failed")
	}
	return out, nil
}

// BalanceTransaction returns one balance transaction (the fee of a charge).
func (c *Client) BalanceTransaction(ctx context.Context, id string) (BalanceTransaction, error) {
	p := &stripe.BalanceTransactionParams{}
	p.Context = ctx
	bt, err := c.api.BalanceTransactions.Get(id, p)
	if err != nil {
		return BalanceTransaction{}, stripeError(err, "reading a Stripe balance transaction failed")
	}
	return fromBalanceTransaction(bt), nil
}

func fromBalanceTransaction(bt *stripe.BalanceTransaction) BalanceTransaction {
	out := BalanceTransaction{ID: bt.ID, Type: string(bt.Type), Amount: bt.Amount, Fee: bt.Fee, Net: bt.Net,
		Currency: string(bt.Currency)}
	if bt.Source != nil {
		out.Source = bt.Source.ID
	}
	return out
}

// Payout is a transfer from the Stripe balance to the cooperative's bank account.
type Payout struct {
	ID          string
	Amount      int64
	Currency    string
	Status      string
	ArrivalDate time.Time
}

// Payout returns one payout.
func (c *Client) Payout(ctx context.Context, id string) (Payout, error) {
	p := &stripe.PayoutParams{}
	p.Context = ctx
	po, err := c.api.Payouts.Get(id, p)
	if err != nil {
		return Payout{}, stripeError(err, "reading a Stripe payout failed")
	}
	return Payout{ID: po.ID, Amount: po.Amount, Currency: string(po.Currency), Status: string(po.Status),
		ArrivalDate: time.Unix(po.ArrivalDate, 0).UTC()}, nil
}

// stripeError maps a Stripe failure to the domain's error: a refused request (a 4xx,
// e.g. a bad key or an amount over what can be refunded) is a rule the caller broke; a
// network failure or a 5xx is Stripe being away. The detail goes to Err, for the logs;
// stripe-go never puts the key in an error.
func stripeError(err error, msg string) error {
	var se *stripe.Error
	if errors.As(err, &se) {
		switch {
		case se.HTTPStatusCode == http.StatusUnauthorized || se.HTTPStatusCode == http.StatusForbidden:
			return cooperative.WrapError(cooperative.ERULE, err, msg+": the cooperative's Stripe key was refused")
		case se.HTTPStatusCode >= 400 && se.HTTPStatusCode < 500 && se.HTTPStatusCode != http.StatusTooManyRequests:
			return cooperative.WrapError(cooperative.ERULE, err, msg+": "+se.Msg)
		}
	}
	return cooperative.WrapError(cooperative.EUNAVAILABLE, err, msg)
}
